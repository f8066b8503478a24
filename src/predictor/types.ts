/** Scores of N rows, one value per row. */
export interface UpliftScores {
  /** P(outcome | offer shown). */
  pTreated: Float32Array;
  /** P(outcome | not shown). */
  pControl: Float32Array;
  /** `pTreated − pControl`. */
  uplift: Float32Array;
}

/** What a model's metadata file (`<model>.json`, written by `npm run train`) must say. */
export interface ModelMetadata {
  format: 'offerwise-model';
  featureSpecVersion: number;
  featureCount: number;
  modelSha256: string;
  family?: string;
  outcome?: string;
}

/** What the worker reports after loading a model. */
export interface LoadedModel {
  /** First 12 hex digits of the model's SHA-256. */
  modelVersion: string;
  sha256: string;
  family: string;
  featureCount: number;
  /** Time to fetch the model and metadata, and to create the session, ms. */
  fetchMs: number;
  createMs: number;
}
