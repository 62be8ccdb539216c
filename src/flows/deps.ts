import type { Config } from '../config/index.js';
import type { Identity } from '../identity/services/index.js';
import type { PasswordHasher } from '../identity/passwords.js';
import type { BoundMethods } from '../methods/index.js';
import type { ProviderHost } from '../oidc/host.js';
import type { Csrf } from '../web/csrf.js';
import type { RateLimits } from '../web/rate-limits.js';
import type { Renderer } from '../web/render.js';

/** What every hosted step needs; built once in main.ts. */
export interface FlowDeps {
  config: Config;
  /** The domain's services (identity/services): what pages call instead of queries. */
  identity: Identity;
  host: ProviderHost;
  renderer: Renderer;
  csrf: Csrf;
  hasher: PasswordHasher;
  limits: RateLimits;
  /** The second-step methods (methods/index.ts), bound to the stores. */
  methods: BoundMethods;
}
