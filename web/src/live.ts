import { useEffect, useState } from 'preact/hooks';
import { SECTIONS, type DashboardEvents, type SectionName } from '../../src/present/dashboard-view';

/**
 * The live sections, from the server's event stream (GET /ui/events): a snapshot of every
 * section on connect, then each section again whenever it changes. No polling: the browser's
 * EventSource keeps the connection and reconnects by itself.
 */

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed';
export type Sections = { [S in SectionName]?: DashboardEvents[S] };

export interface Live {
  sections: Sections;
  hello: DashboardEvents['hello'] | undefined;
  connection: Connection;
}

/** `onEnded`: the server refused the stream or ended the session (the page asks for a login again). */
export function useLive(onEnded: () => void): Live {
  const [sections, setSections] = useState<Sections>({});
  const [hello, setHello] = useState<DashboardEvents['hello']>();
  const [connection, setConnection] = useState<Connection>('connecting');

  useEffect(() => {
    const source = new EventSource('/ui/events');
    source.onopen = () => setConnection('live');
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setConnection('closed');
        onEnded();
      } else setConnection('reconnecting');
    };
    source.addEventListener('hello', (e) => setHello(JSON.parse((e as MessageEvent<string>).data)));
    source.addEventListener('bye', () => {
      source.close();
      setConnection('closed');
      onEnded();
    });
    for (const section of SECTIONS) {
      source.addEventListener(section, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data) as DashboardEvents[typeof section];
        setSections((before) => ({ ...before, [section]: data }));
      });
    }
    return () => source.close();
  }, []);

  return { sections, hello, connection };
}
