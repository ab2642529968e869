/** SENTINEL_STORE_LINGER_S's default: the CLI's store host stays open this long after the last command. */
export const DEFAULT_STORE_LINGER_S = 60;
