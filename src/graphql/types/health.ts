import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class Health {
  @Field(() => String, { description: '"ok" when the database answers.' }) status!: string;
  @Field(() => String, { description: '"pglite" (embedded) or "postgresql".' }) database!: string;
  @Field(() => String) version!: string;
  @Field(() => Float) uptimeSeconds!: number;
  @Field(() => [String], { description: 'Applied migrations, oldest first.' }) migrations!: string[];
}

@ObjectType({ description: 'How much the shop has sent us.' })
export class ShopStats {
  @Field(() => Int) customers!: number;
  @Field(() => Int) products!: number;
  @Field(() => Int) orders!: number;
  @Field(() => Int) orderItems!: number;
  @Field(() => Int) searches!: number;
  @Field(() => Int) reviews!: number;
}
