/** Bad input to one of the packet encoders below the Mobility Header (a caller mistake, not a wire problem). */
export class WireEncodeError extends Error {
  override name = 'WireEncodeError';
}
