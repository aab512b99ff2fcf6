/**
 * An option the generator cannot accept. tools does not depend on @tflyte/core (nx loads this
 * module on its own), so this mirrors TflyteError's shape: a stable `code` and the option named.
 */
export class PluginGeneratorError extends Error {
  readonly code = 'TFLYTE_USAGE';
  /** The generator option at fault, e.g. `name`; undefined when the workspace is the problem. */
  readonly option: string | undefined;
  constructor(option: string | undefined, message: string) {
    super(message);
    this.name = 'PluginGeneratorError';
    this.option = option;
  }
}
