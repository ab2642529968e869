/** SENTINEL_STORE_LINGER_S's default: the CLI's store host stays open this long after the last command. */
export const DEFAULT_STORE_LINGER_S = 60;
/** SENTINEL_FIX_RUNNER_LINGER_S's default: the warm fix runner waits this long for the next `sentinel fix`. */
export const DEFAULT_FIX_RUNNER_LINGER_S = 60;
