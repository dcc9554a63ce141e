// The error of every invalid option, thrown where the verifier or middleware
// is created, never at the first request. A TypeError, as Node's own option
// validation throws.
export class OptionsError extends TypeError {
  override readonly name = "OptionsError";
  constructor(message: string) {
    super(`cognito-bearer: ${message}`);
  }
}
