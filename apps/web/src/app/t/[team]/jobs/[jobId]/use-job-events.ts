"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTRPCClient, type RouterOutputs } from "@/lib/trpc";

export type EventItem = RouterOutputs["jobs"]["events"]["items"][number];

/** The job log, fetched incrementally with the events cursor; `refresh` fetches what is new. */
export function useJobEvents(jobId: string) {
  const client = useTRPCClient();
  const [events, setEvents] = useState<EventItem[]>([]);
  const cursor = useRef<string | undefined>(undefined);
  const running = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const refresh = useCallback(async () => {
    if (running.current) {
      again.current = true;
      return running.current;
    }
    running.current = (async () => {
      try {
        for (let i = 0; i < 20; i++) {
          const page = await client.jobs.events.query({ id: jobId, after: cursor.current, limit: 500 });
          if (page.items.length) setEvents((e) => [...e, ...page.items].slice(-2000));
          if (page.cursor) cursor.current = page.cursor;
          if (!page.hasMore) break;
        }
      } catch {
        /* the next update or poll retries */
      } finally {
        running.current = null;
        if (again.current) {
          again.current = false;
          void refresh();
        }
      }
    })();
    return running.current;
  }, [client, jobId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { events, refresh };
}
