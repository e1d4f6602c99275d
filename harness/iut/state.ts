// A node's state for reports and debugging: what the kernel holds (addresses, routes in every
// table, policy rules, links with their tunnel details) and the implementation's binding cache.
import { nsExec } from '../netns.js';
import type { RunningIut } from './adapter.js';

export interface NodeState {
  node: string;
  addresses: string;
  routes: string;
  rules: string;
  /** `ip -d link`: tunnels and seg6 devices show their parameters here. */
  links: string;
  bindingCache: string | null;
}

export async function collectNodeState(node: string, netns: string, iut?: RunningIut): Promise<NodeState> {
  const ip = async (...args: string[]) => (await nsExec(null, 'ip', ['-n', netns, ...args])).stdout;
  const [addresses, routes, rules, links, bindingCache] = await Promise.all([
    ip('-6', 'addr', 'show'),
    ip('-6', 'route', 'show', 'table', 'all'),
    ip('-6', 'rule', 'show'),
    ip('-d', 'link', 'show'),
    iut ? iut.bindingCache() : Promise.resolve(null),
  ]);
  return { node, addresses, routes, rules, links, bindingCache };
}
