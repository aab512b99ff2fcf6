/** Options of `nx g @tflyte/tools:plugin`, as schema.json describes them. */
export interface PluginGeneratorSchema {
  /** kebab-case; the package is @tflyte/plugin-<name>. */
  name: string;
  /** What the plugin's tasks are: a TypeScript function with a plugin config, a Kubernetes CRD job, or a warehouse query. Default function. */
  kind?: 'function' | 'crd' | 'warehouse';
  /** TaskTemplate.type; defaults to `name` (`<name>_query` for a warehouse plugin). */
  taskType?: string;
  /** Only with kind function: `container` (default) or `k8sPod`. crd tasks are `container`, warehouse tasks `sql`. */
  target?: 'container' | 'k8sPod' | 'sql';
}
