import { startStack, type Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'gates' });
});
afterAll(() => stack.stop());

describe('feature gates round trip', () => {
  it('both gates default on; switching one off and on is read back and audited', async () => {
    const admin = await stack.token(['admin', 'audit:read'], { project: 'gate-proj' });
    const read = () => stack.gql('{ featureGates { secrets kms } }', {}, { token: admin.token });
    expect((await read()).body.data.featureGates).toEqual({ secrets: true, kms: true });
    const off = await stack.gql('mutation { setFeatureGate(feature: "kms", enabled: false) { secrets kms } }', {}, { token: admin.token });
    expect(off.body.data.setFeatureGate).toEqual({ secrets: true, kms: false });
    expect((await read()).body.data.featureGates).toEqual({ secrets: true, kms: false });
    await stack.gql('mutation { setFeatureGate(feature: "kms", enabled: true) { kms } }', {}, { token: admin.token });
    expect((await read()).body.data.featureGates).toEqual({ secrets: true, kms: true });
    const ev = await stack.gql('{ auditEvents(filter: { action: "platform.feature_gate" }) { nodes { resource outcome } } }', {}, { token: admin.token });
    expect(ev.body.data.auditEvents.nodes).toEqual([
      { resource: 'feature-gate:gate-proj/kms', outcome: 'SUCCESS' },
      { resource: 'feature-gate:gate-proj/kms', outcome: 'SUCCESS' },
    ]);
  });

  it('root may set a gate in another project; that project sees it', async () => {
    await stack.gql('mutation { setFeatureGate(feature: "secrets", enabled: false, project: "other-proj") { secrets } }');
    const t = await stack.token(['audit:read'], { project: 'other-proj' });
    const r = await stack.gql('{ featureGates { secrets kms } }', {}, { token: t.token });
    expect(r.body.data.featureGates).toEqual({ secrets: false, kms: true });
  });
});
