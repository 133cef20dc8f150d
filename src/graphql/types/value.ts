import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as BgNbd from '../../value/bg-nbd.js';
import type * as GammaGamma from '../../value/gamma-gamma.js';
import type * as Churn from '../../value/churn-model.js';
import type * as Values from '../../value/customer-values.js';

export enum ValueModelStatus {
  FITTED = 'FITTED',
  INSUFFICIENT_DATA = 'INSUFFICIENT_DATA',
  NOT_CONVERGED = 'NOT_CONVERGED',
}
/** The API's status of the value model's (the same names: one added there without one here fails to compile). */
export const toValueModelStatus = (status: `${ValueModelStatus}`): ValueModelStatus => ValueModelStatus[status];
registerEnumType(ValueModelStatus, {
  name: 'ValueModelStatus',
  description: 'Whether the value models could be fitted on the shop’s history; when not, `reason` says why.',
});

export enum PurchaseModel {
  BG_NBD = 'BG_NBD',
  MBG_NBD = 'MBG_NBD',
}
export const toPurchaseModel = (variant: BgNbd.PurchaseModelVariant | undefined): PurchaseModel =>
  variant === 'MBG' ? PurchaseModel.MBG_NBD : PurchaseModel.BG_NBD;
registerEnumType(PurchaseModel, {
  name: 'PurchaseModel',
  description: 'The buy-till-you-die model that forecasts purchases, chosen per shop on its last quarter.',
  valuesConfig: {
    BG_NBD: { description: 'BG/NBD: a customer may leave after each repeat purchase (one who never came back counts as alive).' },
    MBG_NBD: { description: 'MBG/NBD: a customer may also leave right after the first purchase, so one-off buyers of long ago can be gone.' },
  },
});

@ObjectType({
  description:
    'Parameters of the buy-till-you-die model (BG/NBD or MBG/NBD, `model` says which): purchase rate ~ Gamma(r, alpha) per day, dropout after a purchase ~ Beta(a, b).',
})
export class BgNbdParameters implements Omit<BgNbd.BgNbdParams, 'variant'> {
  @Field(() => PurchaseModel) model!: PurchaseModel;
  @Field(() => Float) r!: number;
  @Field(() => Float) alpha!: number;
  @Field(() => Float) a!: number;
  @Field(() => Float) b!: number;
  @Field(() => Float) logLikelihood!: number;
  @Field(() => Float, { nullable: true, description: 'The penalty the fit used (lifetimes’ penalizer_coef); null for runs made before it was chosen.' })
  penalizer!: number | null;
}

@ObjectType({ description: 'One candidate model and penalty, and how well its fit forecast the validation window.' })
export class PenaltyCandidate {
  @Field(() => PurchaseModel) model!: PurchaseModel;
  @Field(() => Float) penalizer!: number;
  @Field(() => Float, { nullable: true, description: 'Mean absolute error of the median forecast; null when that fit did not converge.' }) mae!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'Standard error of its per-customer error minus the same model’s without penalty; a penalty is used only when it lowers the error by more than two of these.',
  })
  standardError!: number | null;
}

@ObjectType({ description: 'A model at its chosen penalty, scored on the validation window.' })
export class PurchaseModelScore {
  @Field(() => PurchaseModel) model!: PurchaseModel;
  @Field(() => Float) penalizer!: number;
  @Field(() => Float, { description: 'Mean absolute error of the median forecast.' }) mae!: number;
  @Field(() => Float, {
    description: 'Mean log-probability it gave to the number of purchases each customer made (higher is better): what the model is chosen on.',
  })
  logScore!: number;
}

@ObjectType({
  description:
    'How the purchase model (BG/NBD or MBG/NBD) and its penalty were chosen: fitted on the shop’s history before its last `days`, each candidate scored on the purchases inside them.',
})
export class PenaltySelection {
  @Field(() => Int) days!: number;
  @Field(() => Int, { description: 'Customers who had bought before the window (a sample on large shops).' }) customers!: number;
  @Field(() => [PenaltyCandidate]) candidates!: PenaltyCandidate[];
  @Field(() => [PurchaseModelScore], { description: 'Each model that converged, at its chosen penalty.' }) models!: PurchaseModelScore[];
  @Field(() => Float, { description: 'The naive forecast’s error on the same window (repeat purchases ÷ days since the first × days): the bar to clear.' })
  naiveMae!: number;
  @Field(() => PurchaseModel) model!: PurchaseModel;
  @Field(() => Float) penalizer!: number;
  @Field(() => String, { description: 'Why this model serves.' }) why!: string;
}

export enum ChurnModel {
  PROPENSITY = 'PROPENSITY',
  BG_NBD = 'BG_NBD',
}
/** The API's name of the churn model's kind (the same names). */
export const toChurnModel = (kind: Churn.ChurnModelKind): ChurnModel => ChurnModel[kind];
registerEnumType(ChurnModel, {
  name: 'ChurnModel',
  description:
    'What gives churn risk: PROPENSITY, a model learnt from the shop’s earlier quarters (who bought after each cut-off); BG_NBD, the buy-till-you-die model (BG/NBD or MBG/NBD: `bgNbd.model`).',
  valuesConfig: {
    PROPENSITY: {
      description: 'L2 logistic regression on recency, frequency, spend, gaps, the last quarter and last year’s season, learnt at earlier cut-offs.',
    },
    BG_NBD: { description: 'The buy-till-you-die model’s probability of at least one purchase (BG/NBD or MBG/NBD, as chosen for the shop).' },
  },
});

@ObjectType({ description: 'One tenth of the stated chances: how many customers were told that, and how many of them bought.' })
export class CalibrationBin {
  @Field(() => Float) from!: number;
  @Field(() => Float) to!: number;
  @Field(() => Int) count!: number;
  @Field(() => Float, { description: 'Mean stated chance of buying in the bin.' }) predicted!: number;
  @Field(() => Float, { description: 'Share of them who bought.' }) observed!: number;
}

@ObjectType({ description: 'A segment’s members by churn risk (as the run stored it): low below ⅓, high above ⅔.' })
export class RiskBands implements Values.RiskBands {
  @Field(() => Int) low!: number;
  @Field(() => Int) medium!: number;
  @Field(() => Int) high!: number;
  @Field(() => Int, { description: 'Members without a churn risk (no order history, or provisional).' }) unknown!: number;
}

@ObjectType({ description: 'How well a churn model forecast who bought in the shop’s last window, fitted on the history before it.' })
export class ChurnValidation implements Churn.WindowScore {
  @Field(() => Float, { description: 'ROC-AUC for "bought in the window": the chance a buyer ranks above a non-buyer.' }) auc!: number;
  @Field(() => Float, { description: 'Mean negative log-likelihood of what happened (lower is better): what the choice is made on.' }) logLoss!: number;
  @Field(() => Float, { description: 'Expected calibration error over 10 bins: how far the stated chances were from what happened.' })
  calibrationError!: number;
  @Field(() => [CalibrationBin], { description: 'The bins behind calibrationError (empty ones left out): a calibration chart.' })
  calibration!: CalibrationBin[];
}

@ObjectType({ description: 'Which model gives churn risk for this run, and why.' })
export class ChurnModelInfo {
  @Field(() => ChurnModel, { nullable: true, description: 'Null when neither could be fitted (then churn risk is null).' }) serving!: ChurnModel | null;
  @Field(() => Int, { description: 'Churn risk is the chance of no purchase in this many days.' }) horizonDays!: number;
  @Field(() => String) why!: string;
  @Field(() => ChurnValidation, { nullable: true, description: 'The learnt model on the last window; null when the history was too short to hold one out.' })
  learntValidation!: ChurnValidation | null;
  @Field(() => ChurnValidation, { nullable: true, description: 'The buy-till-you-die model (BG/NBD or MBG/NBD) on the same window.' })
  bgNbdValidation!: ChurnValidation | null;
  @Field(() => [String], { description: 'Cut-offs (ISO dates) the served learnt model learnt from.' }) trainingCutoffs!: string[];
  @Field(() => String, { nullable: true, description: 'Why the learnt model was not fitted, or a note on it.' }) learntReason!: string | null;
}

export enum ForecastModel {
  BG_NBD = 'BG_NBD',
  LEARNT = 'LEARNT',
  RATE = 'RATE',
}
registerEnumType(ForecastModel, {
  name: 'ForecastModel',
  description:
    'What forecasts purchases (expectedPurchases, likelyPurchases, and so spend and CLV): BG_NBD, the buy-till-you-die model (`bgNbd.model`); LEARNT, a Poisson regression learnt from the shop’s earlier quarters (a steady rate over any horizon); RATE, the rule of thumb (repeat purchases ÷ days since the first).',
});

@ObjectType({ description: 'A forecast model’s error on the shop’s last window, fitted on the history before it.' })
export class ForecastScore {
  @Field(() => ForecastModel) model!: ForecastModel;
  @Field(() => Float, { description: 'Mean absolute error of purchase days per customer in the window.' }) mae!: number;
}

@ObjectType({ description: 'Which model forecasts purchases for this run, and why: the lowest error on the shop’s last window.' })
export class ForecastModelInfo {
  @Field(() => ForecastModel) serving!: ForecastModel;
  @Field(() => String) why!: string;
  @Field(() => Int, { description: 'Customers scored on the window.' }) customers!: number;
  @Field(() => [ForecastScore]) scores!: ForecastScore[];
  @Field(() => String, { nullable: true, description: 'Why the learnt model was not fitted.' }) learntReason!: string | null;
}

@ObjectType({ description: 'Gamma–Gamma parameters of the value of a purchase.' })
export class GammaGammaParameters implements GammaGamma.GammaGammaParams {
  @Field(() => Float) p!: number;
  @Field(() => Float) q!: number;
  @Field(() => Float) v!: number;
  @Field(() => Int, { description: 'Repeat customers with a positive order value it was fitted on.' }) customers!: number;
}

@ObjectType({
  description: 'The value and churn models fitted with a segmentation run (BG/NBD and Gamma–Gamma, maximum likelihood on the shop’s order history).',
})
export class ValueModelInfo {
  @Field(() => ValueModelStatus) status!: ValueModelStatus;
  @Field(() => String, { nullable: true, description: 'Why there are no predictions, or a note on the data (e.g. orders dated in the future left out).' })
  reason!: string | null;
  @Field(() => String, { nullable: true, description: 'Why there is no spend or lifetime value though purchases are predicted.' }) spendReason!: string | null;
  @Field(() => Date, { description: 'End of the observed history (the last order’s day).' }) asOf!: Date;
  @Field(() => Int) customers!: number;
  @Field(() => Int, { description: 'Customers who bought again on another day.' }) repeatCustomers!: number;
  @Field(() => Int) historyDays!: number;
  @Field(() => Int, { description: 'Orders dated in the future, left out.' }) futureOrders!: number;
  @Field(() => BgNbdParameters, { nullable: true }) bgNbd!: BgNbdParameters | null;
  @Field(() => GammaGammaParameters, { nullable: true }) gammaGamma!: GammaGammaParameters | null;
  @Field(() => PenaltySelection, { nullable: true, description: 'Null when the history was too short to hold a validation window out of it.' })
  penaltySelection!: PenaltySelection | null;
  @Field(() => ChurnModelInfo, { nullable: true, description: 'Null for runs made before churn models were chosen (their churn risk is 1 − pAlive).' })
  churnModel!: ChurnModelInfo | null;
  @Field(() => ForecastModelInfo, { nullable: true, description: 'Null for runs made before forecasts were chosen (BG/NBD forecasts them).' })
  forecastModel!: ForecastModelInfo | null;
}

@ObjectType({ description: 'A customer’s predicted value and churn risk over a horizon. Null numbers come with `reason`.' })
export class CustomerValue {
  @Field(() => Int) horizonDays!: number;
  @Field(() => Float, { nullable: true, description: 'Probability the customer is still a customer (BG/NBD).' }) pAlive!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'Chance the customer does not buy in the next `churnHorizonDays` (whatever `horizonDays` asks), from the model chosen for the shop (`SegmentationRun.valueModel.churnModel`); 1 − pAlive for runs made before that choice.',
  })
  churnRisk!: number | null;
  @Field(() => Int, { nullable: true, description: 'The days churnRisk speaks of; null for runs made before the churn model.' }) churnHorizonDays!:
    number | null;
  @Field(() => [String], {
    nullable: true,
    description: 'The features that move this customer’s churn risk most, in words (the learnt model; empty when BG/NBD serves).',
  })
  churnReasons!: string[] | null;
  @Field(() => Float, { nullable: true, description: 'Purchases expected over the horizon (the mean).' }) expectedPurchases!: number | null;
  @Field(() => Float, { nullable: true, description: 'Probability of at least one purchase over the horizon (BG/NBD).' })
  purchaseProbability!: number | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'The median number of purchases over the horizon: the count with the least expected absolute error (most customers buy nothing and a few a lot, so the mean overstates the typical one).',
  })
  likelyPurchases!: number | null;
  @Field(() => Float, { nullable: true, description: 'Expected value of one purchase (Gamma–Gamma).' }) expectedSpendPerPurchase!: number | null;
  @Field(() => Float, { nullable: true, description: 'expectedPurchases × expectedSpendPerPurchase.' }) expectedSpend!: number | null;
  @Field(() => Float, { nullable: true, description: 'Customer lifetime value over the horizon, discounted monthly.' }) clv!: number | null;
  @Field(() => Int, { nullable: true, description: 'Repeat purchases (days with an order after the first).' }) repeatPurchases!: number | null;
  @Field(() => Float, { nullable: true, description: 'Days from the first purchase to the last.' }) recencyDays!: number | null;
  @Field(() => Float, { nullable: true, description: 'Days from the first purchase to the end of the history.' }) ageDays!: number | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@ObjectType({ description: 'A segment’s predicted value and churn risk over a horizon.' })
export class SegmentValue implements Values.SegmentValueAnswer {
  @Field(() => Int) horizonDays!: number;
  @Field(() => Int) members!: number;
  @Field(() => Int, { description: 'Members with a completed order (the others have nothing to predict from).' }) withHistory!: number;
  @Field(() => Float, { nullable: true }) meanPAlive!: number | null;
  @Field(() => Float, { nullable: true, description: 'Share of members with history whose churn risk is above 0.5.' }) shareAtRisk!: number | null;
  @Field(() => Float, { nullable: true }) expectedPurchases!: number | null;
  @Field(() => Float, { nullable: true }) expectedSpend!: number | null;
  @Field(() => Float, { nullable: true }) sumClv!: number | null;
  @Field(() => Float, { nullable: true }) meanClv!: number | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}
