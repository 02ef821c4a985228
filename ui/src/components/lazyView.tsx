// A view whose code is loaded the first time it is shown (its own chunk).
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ViewProps } from '../App';
import { ErrorBox, Loading } from './common';

export function lazyView(load: () => Promise<FunctionComponent<ViewProps>>): FunctionComponent<ViewProps> {
  let loaded: FunctionComponent<ViewProps> | undefined;
  let pending: Promise<FunctionComponent<ViewProps>> | undefined;
  return function LazyView(props: ViewProps) {
    const [, setReady] = useState(0);
    const [error, setError] = useState<Error | undefined>();
    useEffect(() => {
      if (loaded) return;
      pending ??= load();
      pending.then(
        (view) => {
          loaded = view;
          setReady(1);
        },
        (e: Error) => {
          pending = undefined;
          setError(e);
        },
      );
    }, []);
    if (error) return <ErrorBox error={error} title="This page's code did not load (was Ferry upgraded? reload the page)" />;
    if (!loaded) return <Loading />;
    const View = loaded;
    return <View {...props} />;
  };
}
