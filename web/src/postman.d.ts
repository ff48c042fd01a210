import type { Vault } from './vault.js';

/** postman-runtime's `secretResolver` run option backed by `vault` (the same as vault.postmanSecretResolver(options)). */
export function postmanSecretResolver(vault: Vault, options?: Parameters<Vault['postmanSecretResolver']>[0]): ReturnType<Vault['postmanSecretResolver']>;
