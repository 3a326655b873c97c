import { Model } from 'objection';

export class LedgerEvent extends Model {
  static tableName = 'ledger_events';

  id!: number | string;
  user_id!: string;
  type!: 'balance' | 'transaction';
  /** JSON of the balance or transaction shape, as the REST API returns it. */
  payload!: string;
  created_at!: string;
}
