import { buildCatalog } from '../../src/sources/catalog';

describe('services catalog: depends_on', () => {
  it('keeps the services a service calls, and leaves dependsOn out where the file says nothing', () => {
    const services = buildCatalog({
      services: [{ name: 'web', depends_on: ['api'] }, { name: 'api' }],
    });
    expect(services.map((s) => [s.name, s.dependsOn])).toEqual([
      ['web', ['api']],
      ['api', undefined],
    ]);
  });

  it('refuses a callee the catalog does not list, naming its path', () => {
    expect(() => buildCatalog({ services: [{ name: 'web', depends_on: ['api', 'db'] }, { name: 'api' }] })).toThrow(
      /services\.0\.depends_on\.1: unknown service db: depends_on names services of this catalog/,
    );
    const notAList: unknown = { services: [{ name: 'web', depends_on: 'api' }] };
    expect(() => buildCatalog(notAList as Parameters<typeof buildCatalog>[0])).toThrow(
      /services\.0\.depends_on: expected a list of the service names it calls/,
    );
  });
});
