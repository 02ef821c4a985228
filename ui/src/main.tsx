import { render } from 'preact';
import { App } from './App';
import { installLinkInterceptor } from './lib/router';
import './styles.css';

installLinkInterceptor();
render(<App />, document.getElementById('app')!);
