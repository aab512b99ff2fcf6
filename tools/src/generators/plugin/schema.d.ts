/** Options of `nx g @tflyte/tools:plugin`, as schema.json describes them. */
export interface PluginGeneratorSchema {
  /** kebab-case; the package is @tflyte/plugin-<name>. */
  name: string;
  /** TaskTemplate.type; defaults to `name`. */
  taskType?: string;
  target?: 'container' | 'k8sPod' | 'sql';
}
