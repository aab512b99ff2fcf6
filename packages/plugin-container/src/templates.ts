/**
 * `{{.inputs.x}}` placeholders in a raw container's command and args, with propeller's syntax
 * (flyteplugins core/template): case-insensitive, `.` or `$` before `inputs`, spaces allowed
 * inside the braces, anywhere in an argument.
 */

const INPUT_REFERENCE = /\{\{\s*[.$]inputs\.([^}\s]+)\s*\}\}/gi;

/** Input names referenced by one command or args entry, in order of appearance. */
export function inputReferences(text: string): string[] {
  return [...text.matchAll(INPUT_REFERENCE)].map((match) => match[1]!);
}

/**
 * Replaces every placeholder with `valueOf(name)`. Other placeholders (`{{.outputPrefix}}`, …)
 * are left as written: they name remote paths that mean nothing inside a local container.
 */
export function renderInputs(text: string, valueOf: (name: string) => string): string {
  return text.replace(INPUT_REFERENCE, (_, name: string) => valueOf(name));
}
