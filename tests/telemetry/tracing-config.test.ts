import { loadConfig, secretValues, testConfig } from '../../src/config/config';

/** Issue 17.4: OpenTelemetry's standard variables, checked at start-up like every other one. */
describe('tracing configuration (OTEL_*)', () => {
  const problems = (env: Record<string, string>) => {
    const r = loadConfig(env);
    return r.ok ? [] : r.problems;
  };

  it('is off without an OTLP endpoint, and with OTEL_SDK_DISABLED=true', () => {
    expect(testConfig().tracing).toBeUndefined();
    expect(
      testConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b', OTEL_TRACES_SAMPLER: 'always_on' })
        .tracing,
    ).toBeUndefined();
    expect(
      testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing,
    ).toBeUndefined();
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT is the base: v1/traces is appended; the defaults are the spec’s', () => {
    expect(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'smartcloudops',
      resourceAttributes: {},
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
    expect(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' }).tracing?.url).toBe(
      'https://otel.example.com/otlp/v1/traces',
    );
  });

  it('the traces-specific variables win, the endpoint used as given', () => {
    const tracing = testConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=ops,authorization=Basic%20abc%3D%3D',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
      OTEL_SERVICE_NAME: 'sco-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=sre',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toEqual({
      url: 'http://traces:9999/custom',
      protocol: 'http/json',
      headers: { 'x-tenant': 'traces', authorization: 'Basic abc==' },
      serviceName: 'sco-eu',
      resourceAttributes: { 'deployment.environment.name': 'prod', team: 'sre' },
      sampler: { name: 'parentbased_traceidratio', ratio: 0.25 },
    });
    // Only the traces endpoint set is enough to turn tracing on.
    expect(testConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces' }).tracing?.url).toBe(
      'http://traces:4318/v1/traces',
    );
  });

  it('header values are secrets: redacted from logs, never echoed in a problem', () => {
    const config = testConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otel-key-7f3a9c',
    });
    expect(secretValues(config)).toContain('otel-key-7f3a9c');
    const bad = problems({ OTEL_EXPORTER_OTLP_HEADERS: 'otel-key-7f3a9c' });
    expect(bad).toEqual([expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS: expected headers as key=value pairs/)]);
    expect(bad.join('\n')).not.toContain('otel-key-7f3a9c');
  });

  it('a bad value stops start-up with one line naming the variable', () => {
    expect(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_SDK_DISABLED: 'yes',
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL/),
        expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json \(grpc is not/),
        expect.stringMatching(/^OTEL_TRACES_SAMPLER: expected one of always_on, /),
        expect.stringMatching(/^OTEL_TRACES_SAMPLER_ARG: expected a sampling ratio from 0 to 1/),
        expect.stringMatching(/^OTEL_SDK_DISABLED: expected true or false/),
      ]),
    );
  });
});
