import { Model } from 'objection';

export class SignInChallenge extends Model {
  static tableName = 'sign_in_challenges';
  static idColumn = 'nonce';

  nonce!: string;
  wallet_address!: string;
  message!: string;
  issued_at!: string;
  expires_at!: string;
  used_at!: string | null;
}
