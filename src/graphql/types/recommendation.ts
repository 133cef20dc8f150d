import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A product of the shop.' })
export class Product {
  @Field(() => ID, { description: 'The shop’s own product id.' }) id!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => Float, { nullable: true }) price!: number | null;
}

@ObjectType({ description: 'A product to offer, with why.' })
export class ProductRecommendation {
  @Field(() => Product) product!: Product;
  @Field(() => Float, { description: 'Higher first. Customers: neighbours’ weighted purchases; segments: the lift.' }) score!: number;
  @Field(() => Int, { description: 'Neighbours (customer) or members (segment) who bought it.' }) buyers!: number;
  @Field(() => Float, { nullable: true, description: 'Segments: share of members who bought it over the share of all customers.' }) lift!: number | null;
  @Field(() => String, { description: 'Why, in one line: e.g. "bought by 14 of your 50 nearest customers".' }) reason!: string;
}
