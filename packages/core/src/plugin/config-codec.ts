/**
 * Codecs of a task type's config: what an author writes ⇄ what a TaskTemplate carries — the plugin's
 * flyteidl message as proto3 JSON in `custom` (exactly as flytekit writes it), and settings that
 * message has no field for in `config`. Where flyteidl has a message for the config (PrestoQuery,
 * SparkJob, DistributedPyTorchTrainingTask, QuboleHiveJob, …) `protoCustom` builds the codec from
 * the generated schema, so field names, casing and omitted defaults match flytekit's `MessageToDict`.
 */
import {
  create,
  type DescMessage,
  fromJson,
  type MessageInitShape,
  type MessageShape,
  type JsonValue as ProtoJsonValue,
  toJson,
} from '@bufbuild/protobuf';
import { InvalidSchemaError } from '../errors.ts';
import type { JsonObject } from '../types/flyte-type.ts';

/** A task's config as its TaskTemplate carries it. */
export interface EncodedConfig {
  /** TaskTemplate.custom. */
  readonly custom?: JsonObject | undefined;
  /** Entries of TaskTemplate.config. */
  readonly config?: Readonly<Record<string, string>> | undefined;
}

/** `Init` is what a task author writes (for a flyteidl message, its init shape); `Config` what a backend reads. */
export interface ConfigCodec<Config, Init = Config> {
  encode(init: Init): EncodedConfig;
  /** The config of a task of `taskTypeVersion`. Throws InvalidSchemaError for a malformed one. */
  decode(encoded: EncodedConfig, taskTypeVersion: number): Config;
}

/** A task type without config of its own. */
export const noConfig: ConfigCodec<undefined> = {
  encode: () => ({}),
  decode: () => undefined,
};

/**
 * The codec of a flyteidl message kept in `custom`: encode writes its proto3 JSON (lowerCamelCase
 * names, defaults omitted); decode reads proto3 JSON, accepting snake_case names as protobuf's parser
 * does. `decodeVersion` maps the custom of an older task type version onto the message.
 */
export function protoCustom<S extends DescMessage>(
  schema: S,
  decodeVersion?: (custom: JsonObject, taskTypeVersion: number) => MessageShape<S>,
): ConfigCodec<MessageShape<S>, MessageInitShape<S>> {
  return {
    encode: (init) => ({ custom: toJson(schema, create(schema, init)) as JsonObject }),
    decode({ custom }, taskTypeVersion) {
      try {
        if (decodeVersion !== undefined) return decodeVersion(custom ?? {}, taskTypeVersion);
        return fromJson(schema, (custom ?? {}) as ProtoJsonValue);
      } catch (error) {
        if (error instanceof InvalidSchemaError) throw error;
        throw new InvalidSchemaError(`TaskTemplate.custom is not a ${schema.typeName}: ${(error as Error).message}`);
      }
    },
  };
}
