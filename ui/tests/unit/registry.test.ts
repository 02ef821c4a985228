import { describe, expect, it } from 'vitest';
import {
  aliasMap, aliasPattern, eventDecision, eventSummary, lineageGraph, nameFilter, newestFirst, versionPath,
  type Lineage, type ModelVersion, type RegistryEvent,
} from '../../src/views/registry/registryData';

const mv = (over: Partial<ModelVersion> = {}): ModelVersion => ({
  name: 'credit', version: '2', creation_timestamp: 1, last_updated_timestamp: 1, user_id: '', current_stage: 'None',
  description: '', source: 'runs:/r1/model', run_id: 'r1', status: 'READY', tags: [], aliases: ['champion'], ...over,
});

const event = (over: Partial<RegistryEvent>): RegistryEvent => ({
  event_id: 1, time: 1, model: 'credit', version: '1', action: 'set_alias', actor: 'a', reason: '', before: null, after: null, ...over,
});

describe('registry helpers', () => {
  it('builds a name filter that escapes quotes', () => {
    expect(nameFilter('  ')).toBe('');
    expect(nameFilter('cr')).toBe("name ILIKE '%cr%'");
    expect(nameFilter("o'k")).toBe("name ILIKE '%o\\'k%'");
    expect(nameFilter('50%_off')).toBe("name ILIKE '%50\\\\%\\\\_off%'");
  });

  it('maps aliases to versions and encodes paths', () => {
    const m = aliasMap({ aliases: [{ alias: 'champion', version: '2' }, { alias: 'staging', version: '1' }] });
    expect(m.get('champion')).toBe('2');
    expect(m.get('staging')).toBe('1');
    expect(versionPath('a/b', 3)).toBe('/models/a%2Fb/versions/3');
    expect(aliasPattern.test('staging-2_x')).toBe(true);
    expect(aliasPattern.test('bad alias')).toBe(false);
  });

  it('orders the audit log newest first without duplicates', () => {
    const list = newestFirst([event({ event_id: 1 }), event({ event_id: 3 }), event({ event_id: 2 }), event({ event_id: 3 })]);
    expect(list.map((e) => e.event_id)).toEqual([3, 2, 1]);
  });

  it('summarises events and reads gate decisions with their evidence', () => {
    expect(eventSummary(event({ after: { alias: 'champion', version: 2 }, before: { alias: 'champion', version: 1 } })))
      .toBe('champion → v2 (was v1)');
    expect(eventSummary(event({ action: 'create_version', version: '3', after: { version: 3 } }))).toBe('created v3');
    const gate = event({
      action: 'gate_decision', version: '2',
      after: { champion: 1, champion_alias: 'champion', decision: { passed: false, needs_approval: true, rows: [
        { rule: 'compare', metric: 'auc', champion: 0.8, challenger: 0.79, requirement: 'higher', passed: false, note: '' },
      ] } },
    });
    const d = eventDecision(gate)!;
    expect(d.decision.rows[0].metric).toBe('auc');
    expect(d.champion).toBe(1);
    expect(eventSummary(gate)).toBe('v2 vs champion (v1): failed, needs approval');
    expect(eventDecision(event({ action: 'set_alias', after: {} }))).toBeUndefined();
  });
});

describe('lineage graph', () => {
  const lineage: Lineage = {
    model_version: mv(), files: [], code_version: '', source_name: '', aliases: ['champion'],
    run: { info: { run_id: 'r1', run_name: 'trial-0', experiment_id: '2', status: 'FINISHED' } },
    datasets: [{ name: 'credit', digest: 'df414b67de2cd065', source_type: 'local', source: '/x.csv' }],
  };

  it('links dataset → run → version → the deployments serving this version', () => {
    const g = lineageGraph(lineage, [
      { deployment: 'credit-api', role: 'primary', version: '2', model: 'credit' },
      { deployment: 'credit-api', role: 'shadow', version: '2', model: 'credit' },
      { deployment: 'old', role: 'primary', version: '1', model: 'credit' },
      { deployment: 'other', role: 'primary', version: '2', model: 'fraud' },
    ]);
    expect(g.columns.map((c) => c.map((n) => n.kind))).toEqual([['dataset'], ['run'], ['version'], ['deployment']]);
    expect(g.nodes.map((n) => n.href)).toEqual([
      '/datasets/credit', '/runs/r1', '/models/credit/versions/2', '/deployments/credit-api',
    ]);
    expect(g.nodes.find((n) => n.kind === 'deployment')!.sub).toBe('primary, shadow');
    expect(g.edges).toEqual([['dataset:0', 'run'], ['run', 'version'], ['version', 'deployment:credit-api']]);
  });

  it('drops missing stages: no run, no datasets, no deployment', () => {
    const g = lineageGraph({ ...lineage, run: null, datasets: [], model_version: mv({ run_id: '' }) }, []);
    expect(g.columns.map((c) => c.map((n) => n.kind))).toEqual([['version']]);
    expect(g.edges).toEqual([]);
  });
});
