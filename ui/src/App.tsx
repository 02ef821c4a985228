// The shell: navigation and the route table. Every view is a URL.
import type { FunctionComponent } from 'preact';
import { fromMlflowHash, matchPath, navigate, useLocation, type Params } from './lib/router';
import { Empty } from './components/common';
import { UserBox } from './components/UserBox';
import { ExperimentsView } from './views/runs/ExperimentsView';
import { RunsView } from './views/runs/RunsView';
import { RunView } from './views/runs/RunView';
import { CompareView } from './views/runs/CompareView';
import { ModelsView } from './views/registry/ModelsView';
import { ModelView } from './views/registry/ModelView';
import { VersionView } from './views/registry/VersionView';
import { DeploymentsView } from './views/deployments/DeploymentsView';
import { DeploymentView } from './views/deployments/DeploymentView';
import { MonitoringView } from './views/monitoring/MonitoringView';
import { AlertsView } from './views/monitoring/AlertsView';
import { PipelinesView } from './views/pipelines/PipelinesView';
import { PipelineView } from './views/pipelines/PipelineView';
import { PipelineRunView } from './views/pipelines/PipelineRunView';
import { DatasetsView } from './views/pipelines/DatasetsView';
import { DatasetView } from './views/pipelines/DatasetView';

export type ViewProps = { params: Params; query: URLSearchParams };

const routes: [string, FunctionComponent<ViewProps>][] = [
  ['/experiments', ExperimentsView],
  ['/experiments/:id', RunsView],
  ['/runs/:id', RunView],
  ['/compare', CompareView],
  ['/models', ModelsView],
  ['/models/:name', ModelView],
  ['/models/:name/versions/:version', VersionView],
  ['/deployments', DeploymentsView],
  ['/deployments/:name', DeploymentView],
  ['/deployments/:name/monitoring', MonitoringView],
  ['/alerts', AlertsView],
  ['/pipelines', PipelinesView],
  ['/pipelines/:name', PipelineView],
  ['/pipeline-runs/:id', PipelineRunView],
  ['/datasets', DatasetsView],
  ['/datasets/:name', DatasetView],
];

const nav: [string, string][] = [
  ['/experiments', 'Experiments'],
  ['/models', 'Models'],
  ['/deployments', 'Deployments'],
  ['/alerts', 'Alerts'],
  ['/pipelines', 'Pipelines'],
  ['/datasets', 'Datasets'],
];

export function App() {
  const loc = useLocation();
  if (loc.path === '/' || loc.path === '') {
    navigate(fromMlflowHash(window.location.hash) ?? '/experiments', true);
    return null;
  }
  let view = null;
  for (const [pattern, View] of routes) {
    const params = matchPath(pattern, loc.path);
    if (params) {
      view = <View params={params} query={loc.query} />;
      break;
    }
  }
  const section = '/' + (loc.path.split('/')[1] ?? '');
  const active = (href: string) =>
    href === section || (href === '/experiments' && (section === '/runs' || section === '/compare')) ||
    (href === '/pipelines' && section === '/pipeline-runs');
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Sections">
        <a class="brand" href="/experiments">
          Ferry
        </a>
        {nav.map(([href, label]) => (
          <a key={href} href={href} class={active(href) ? 'active' : ''}>
            {label}
          </a>
        ))}
        <UserBox />
      </nav>
      <main class="content">
        {view ?? (
          <Empty title="No such page">
            <p>
              <code>{loc.path}</code> is not a page of Ferry's UI. Start from <a href="/experiments">Experiments</a>.
            </p>
          </Empty>
        )}
      </main>
    </div>
  );
}
