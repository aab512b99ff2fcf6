/** flytekit's task type for ContainerTask; propeller's pod plugin runs it with copilot. */
export const RAW_CONTAINER_TASK_TYPE = 'raw-container';
/** TaskTemplate.config key carrying `network: 'host'`; absent means no network. */
export const NETWORK_CONFIG_KEY = 'tflyte.network';
