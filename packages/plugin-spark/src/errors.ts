/** The errors @tflyte/plugin-spark raises, with stable codes. */
import { TflyteError } from '@tflyte/core';

/** `sparkPlugin(options)` was given an option it cannot use. */
export class SparkPluginOptionError extends TflyteError {
  readonly option: string;
  constructor(option: string, problem: string) {
    super('SPARK_INVALID_OPTION', `sparkPlugin(): option '${option}' ${problem}`);
    this.option = option;
  }
}
