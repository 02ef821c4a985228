// The pixel width of an element, kept current with a ResizeObserver (SVG
// charts draw at their real width so text stays readable on a phone).
import { useEffect, useRef, useState } from 'preact/hooks';

export function useWidth<T extends HTMLElement>(fallback = 600) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      const w = el.clientWidth;
      if (w > 0) setWidth((old) => (Math.abs(old - w) > 2 ? w : old));
    };
    update();
    const obs = new ResizeObserver(update);
    obs.observe(el);
    return () => obs.disconnect();
  }, []);
  return [ref, width] as const;
}
