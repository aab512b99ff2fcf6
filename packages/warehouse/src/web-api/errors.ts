import { TflyteError } from '@tflyte/core';

/** A web-API backend is configured wrongly (a rate limit, a quota); names the setting. */
export class WebApiConfigError extends TflyteError {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super('TFLYTE_CONFIG', `web-API backend: '${setting}' ${problem}`);
    this.setting = setting;
  }
}
