/**
 * ObjectMeta rules every resource shares (apimachinery's ValidateObjectMeta): names, labels, annotations,
 * finalizers. Messages follow apimachinery's wording so errors read as they would against a real cluster.
 */
import { type FieldError, fieldErrors } from './status.ts';
import { isPlainObject, type KubeObject } from './types.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(value)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  }
  return undefined;
}

export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}

function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length > 2 || (parts.length === 2 && (parts[0] === '' || dns1123SubdomainProblem(parts[0]!) !== undefined))) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  }
  return undefined;
}

function validateStringMap(value: unknown, field: string, checkValue: boolean): FieldError[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [fieldErrors.typeInvalid(field, value, 'must be an object of strings')];
  const errors: FieldError[] = [];
  for (const [key, v] of Object.entries(value)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem !== undefined) errors.push(fieldErrors.invalid(field, key, keyProblem));
    if (typeof v !== 'string') {
      errors.push(fieldErrors.typeInvalid(`${field}.${key}`, v, 'must be a string'));
    } else if (checkValue && (v.length > 63 || !LABEL_VALUE.test(v))) {
      errors.push(
        fieldErrors.invalid(
          field,
          v,
          v.length > 63
            ? 'must be no more than 63 characters'
            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
    }
  }
  return errors;
}

/** `nameRule` is the per-type rule for metadata.name (pods and custom resources: subdomain; namespaces: label). */
export function validateObjectMeta(obj: KubeObject, nameRule: 'subdomain' | 'label' = 'subdomain'): FieldError[] {
  const meta = obj.metadata;
  if (!isPlainObject(meta)) return [fieldErrors.required('metadata')];
  const errors: FieldError[] = [];
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    errors.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  } else {
    const problem = nameRule === 'label' ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
    if (problem !== undefined) errors.push(fieldErrors.invalid('metadata.name', name, problem));
  }
  errors.push(...validateStringMap(meta.labels, 'metadata.labels', true));
  errors.push(...validateStringMap(meta.annotations, 'metadata.annotations', false));
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers)) {
      errors.push(fieldErrors.typeInvalid('metadata.finalizers', meta.finalizers, 'must be a list of strings'));
    } else {
      meta.finalizers.forEach((f, i) => {
        if (typeof f !== 'string' || qualifiedNameProblem(f) !== undefined) {
          errors.push(fieldErrors.invalid(`metadata.finalizers[${i}]`, f, 'must be a qualified name'));
        }
      });
    }
  }
  return errors;
}
