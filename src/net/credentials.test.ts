import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CAP_FULL_SET,
  CAP_LAST_CAP,
  CAP_NET_ADMIN,
  CAP_NET_RAW,
  CAP_SYS_ADMIN,
  UserNamespace,
  capSet,
  capable,
  createInitUserNs,
  hasNsCapability,
  nsCapable,
  rootCredentials,
  unprivilegedCredentials,
  withCapabilities,
} from './credentials.ts';

test('capability numbers are Linux uapi values', () => {
  assert.equal(CAP_NET_ADMIN, 12);
  assert.equal(CAP_NET_RAW, 13);
  assert.equal(CAP_SYS_ADMIN, 21);
  assert.equal(CAP_FULL_SET, (1n << 41n) - 1n);
  assert.equal(capSet(CAP_NET_ADMIN, CAP_NET_RAW), 0x3000n);
  assert.throws(() => capSet(CAP_LAST_CAP + 1), RangeError);
});

test('root has every capability; an unprivileged user has none unless granted', () => {
  const init = createInitUserNs();
  const net = { userNs: init };
  const root = rootCredentials(init);
  const user = unprivilegedCredentials(init, 1000);
  assert.equal(capable(root, CAP_NET_ADMIN), true);
  assert.equal(nsCapable(net, root, CAP_NET_RAW), true);
  assert.equal(capable(user, CAP_NET_ADMIN), false);
  assert.equal(nsCapable(net, user, CAP_NET_ADMIN), false);
  const raw = withCapabilities(user, capSet(CAP_NET_RAW));
  assert.equal(nsCapable(net, raw, CAP_NET_RAW), true);
  assert.equal(nsCapable(net, raw, CAP_NET_ADMIN), false);
});

test('container root is CAP_NET_ADMIN in its own network namespace only', () => {
  const init = createInitUserNs();
  const child = new UserNamespace(init, 1000);
  const hostNet = { userNs: init };
  const containerNet = { userNs: child };
  const containerRoot = rootCredentials(child);
  assert.equal(nsCapable(containerNet, containerRoot, CAP_NET_ADMIN), true);
  assert.equal(nsCapable(hostNet, containerRoot, CAP_NET_ADMIN), false);
  assert.equal(capable(containerRoot, CAP_NET_ADMIN), false);
});

test('the owner of a child user namespace holds every capability in it', () => {
  const init = createInitUserNs();
  const owner = unprivilegedCredentials(init, 1000);
  const other = unprivilegedCredentials(init, 1001);
  const child = new UserNamespace(init, 1000);
  const grandchild = new UserNamespace(child, 0);
  assert.equal(hasNsCapability(owner, child, CAP_NET_ADMIN), true);
  assert.equal(hasNsCapability(owner, grandchild, CAP_NET_ADMIN), true);
  assert.equal(hasNsCapability(other, child, CAP_NET_ADMIN), false);
  // A sibling namespace at the same level gives nothing.
  const sibling = new UserNamespace(init, 1000);
  assert.equal(hasNsCapability(rootCredentials(sibling), child, CAP_NET_ADMIN), false);
  // Namespaces from another World (another init) never match.
  assert.equal(nsCapable({ userNs: createInitUserNs() }, rootCredentials(init), CAP_NET_ADMIN), false);
});
