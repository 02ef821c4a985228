// The shell: navigation and the route table. Every view is a URL.
import type { FunctionComponent } from 'preact';
import { lazyView } from './components/lazyView';
import { fromMlflowHash, matchPath, navigate, useLocation, type Params } from './lib/router';
import { Empty } from './components/common';
import { UserBox } from './components/UserBox';
import { ExperimentsView } from './views/runs/ExperimentsView';
import { RunsView } from './views/runs/RunsView';
import { RunView } from './views/runs/RunView';
import { CompareView } from './views/runs/CompareView';
export type ViewProps = { params: Params; query: URLSearchParams };

// The runs views are in the main bundle (the first page most people open);
// the others load on first use, so the first render parses less script.
const ModelsView = lazyView(() => import('./views/registry/ModelsView').then((m) => m.ModelsView));
const ModelView = lazyView(() => import('./views/registry/ModelView').then((m) => m.ModelView));
const VersionView = lazyView(() => import('./views/registry/VersionView').then((m) => m.VersionView));
const DeploymentsView = lazyView(() => import('./views/deployments/DeploymentsView').then((m) => m.DeploymentsView));
const DeploymentView = lazyView(() => import('./views/deployments/DeploymentView').then((m) => m.DeploymentView));
const MonitoringView = lazyView(() => import('./views/monitoring/MonitoringView').then((m) => m.MonitoringView));
const AlertsView = lazyView(() => import('./views/monitoring/AlertsView').then((m) => m.AlertsView));
const PipelinesView = lazyView(() => import('./views/pipelines/PipelinesView').then((m) => m.PipelinesView));
const PipelineView = lazyView(() => import('./views/pipelines/PipelineView').then((m) => m.PipelineView));
const PipelineRunView = lazyView(() => import('./views/pipelines/PipelineRunView').then((m) => m.PipelineRunView));
const DatasetsView = lazyView(() => import('./views/pipelines/DatasetsView').then((m) => m.DatasetsView));
const DatasetView = lazyView(() => import('./views/pipelines/DatasetView').then((m) => m.DatasetView));

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
