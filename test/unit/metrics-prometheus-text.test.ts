import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../agent/http/duration-histogram.js';
import { escapeLabelValue, renderPrometheusText } from '../../agent/http/prometheus-text.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-parser.js';

describe('Prometheus text writer', () => {
  it('escapes label values and HELP text so a strict parser reads them back unchanged', () => {
    const awkward = 'KJ "分站" 1\\2\nline';
    const text = renderPrometheusText([
      { name: 'x_total', type: 'counter', help: 'a \\ backslash\nand a newline', samples: [{ labels: { device: awkward }, value: 3 }] },
    ]);
    expect(text).toContain('device="KJ \\"分站\\" 1\\\\2\\nline"');
    const families = parsePrometheusText(text);
    expect(families.get('x_total')!.help).toBe('a \\ backslash\nand a newline');
    expect(families.get('x_total')!.samples[0]!.labels.device).toBe(awkward);
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('writes HELP and TYPE for every family, even one without samples yet, and special values by name', () => {
    const text = renderPrometheusText([
      { name: 'empty_gauge', type: 'gauge', help: 'nothing yet', samples: [] },
      { name: 'odd', type: 'gauge', help: 'odd values', samples: [{ labels: { k: 'nan' }, value: Number.NaN }, { labels: { k: 'inf' }, value: Infinity }] },
    ]);
    expect(text).toBe('# HELP empty_gauge nothing yet\n# TYPE empty_gauge gauge\n# HELP odd odd values\n# TYPE odd gauge\nodd{k="nan"} NaN\nodd{k="inf"} +Inf\n');
    expect(parsePrometheusText(text).get('empty_gauge')!.type).toBe('gauge');
  });

  it('refuses invalid metric and label names and a family rendered twice (bugs, caught in tests)', () => {
    expect(() => renderPrometheusText([{ name: 'bad-name', type: 'gauge', help: 'h', samples: [] }])).toThrow(/invalid Prometheus metric name/);
    expect(() => renderPrometheusText([{ name: 'ok', type: 'gauge', help: 'h', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/label name/);
    const family = { name: 'twice', type: 'gauge' as const, help: 'h', samples: [] };
    expect(() => renderPrometheusText([family, family])).toThrow(/twice/);
  });

  it('histograms are cumulative, end in +Inf and carry _sum and _count', () => {
    const histogram = new DurationHistogram('device', [0.01, 0.1, 1]);
    for (const seconds of [0.005, 0.05, 0.05, 0.5, 3]) histogram.observe('sm-1', seconds);
    histogram.observe('sm-1', -1); // a wall-clock step, ignored
    const families = parsePrometheusText(renderPrometheusText([{ name: 'cycle_seconds', type: 'histogram', help: 'h', samples: histogram.samples() }]));
    const bucket = (le: string) => sampleValue(families, 'cycle_seconds', { device: 'sm-1', le }, 'cycle_seconds_bucket');
    expect([bucket('0.01'), bucket('0.1'), bucket('1'), bucket('+Inf')]).toEqual([1, 3, 4, 5]);
    expect(sampleValue(families, 'cycle_seconds', { device: 'sm-1' }, 'cycle_seconds_count')).toBe(5);
    expect(sampleValue(families, 'cycle_seconds', { device: 'sm-1' }, 'cycle_seconds_sum')).toBeCloseTo(3.605);
  });
});

describe('the strict test parser', () => {
  it('rejects what Prometheus would reject', () => {
    expect(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na 1')).toThrow(/newline/);
    expect(() => parsePrometheusText('a 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na{x="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na one\n')).toThrow(/bad value/);
    expect(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na 1\na 2\n')).toThrow(/duplicate/);
    expect(() => parsePrometheusText('# HELP a h\n# TYPE a gauge\na 1\n# HELP b h\n# TYPE b gauge\nb 1\na{x="1"} 2\n')).toThrow(/outside its family/);
    expect(() => parsePrometheusText('# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});
