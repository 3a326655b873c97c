import { Model } from 'objection';

export class Wallet extends Model {
  static tableName = 'wallets';

  id!: string;
  user_id!: string;
  address!: string;
  /** Exact decimal text with 8 decimals; see shared/schemas/money.ts. */
  balance!: string;
  created_at!: string;
  updated_at!: string;
  /** Set by the first signed login: address-only login is refused from then on. */
  key_proven_at!: string | null;
}
