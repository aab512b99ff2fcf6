/**
 * Codecs for `TaskTemplate.custom`: a plugin's config ⇄ the proto3 JSON flytekit writes there.
 * Where flyteidl has a message for the config (PrestoQuery, SparkJob, DistributedPyTorchTrainingTask,
 * QuboleHiveJob, …) `protoCustom` builds the codec from the generated schema, so field names, casing
 * and omitted defaults match flytekit's `MessageToDict` exactly.
 */
import { type DescMessage, type JsonValue as ProtoJsonValue, type MessageInitShape, type MessageShape, create, fromJson, toJson } from '@bufbuild/protobuf';
import { InvalidSchemaError } from '../errors.ts';
import type { JsonObject } from '../types/flyte-type.ts';

/** `Init` is what a task author writes (for a flyteidl message, its init shape); `Config` what a backend reads. */
export interface CustomCodec<Config, Init = Config> {
  /** Config → TaskTemplate.custom; undefined writes no custom. */
  encode(config: Init): JsonObject | undefined;
  /** TaskTemplate.custom of a task of `taskTypeVersion` → config. Throws InvalidSchemaError for a malformed one. */
  decode(custom: JsonObject | undefined, taskTypeVersion: number): Config;
}

/** A task type without custom config (function and raw-container tasks). */
export const noCustom: CustomCodec<undefined> = {
  encode: () => undefined,
  decode: () => undefined,
};

/**
 * The codec of a flyteidl message: encode writes its proto3 JSON (lowerCamelCase names, defaults
 * omitted); decode reads proto3 JSON, accepting the snake_case names as well, as protobuf's parser does.
 * `decodeVersion` maps a custom of an older task type version onto the message (default: the same).
 */
export function protoCustom<S extends DescMessage>(
  schema: S,
  decodeVersion?: (custom: JsonObject, taskTypeVersion: number) => MessageShape<S>,
): CustomCodec<MessageShape<S>, MessageInitShape<S>> {
  return {
    encode: (config) => toJson(schema, create(schema, config)) as JsonObject,
    decode(custom, taskTypeVersion) {
      try {
        if (decodeVersion !== undefined) return decodeVersion(custom ?? {}, taskTypeVersion);
        return fromJson(schema, (custom ?? {}) as ProtoJsonValue);
      } catch (error) {
        throw new InvalidSchemaError(`TaskTemplate.custom is not a ${schema.typeName}: ${(error as Error).message}`);
      }
    },
  };
}

/** A codec for a custom config that is plain JSON with no flyteidl message (checked by `check`). */
export function jsonCustom<Config extends JsonObject>(check: (custom: JsonObject) => Config): CustomCodec<Config> {
  return {
    encode: (config) => config,
    decode: (custom) => check(custom ?? {}),
  };
}
