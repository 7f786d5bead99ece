import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { createAppApi, type AppBridge } from '../../main/contract/index.js';
import { APP_API, DESKTOP } from './api/appApiKey.js';
import { webClient } from './api/webClient.js';
import App from './App.vue';
import './styles.css';

// The desktop shell's preload exposes the API's transport over Electron IPC; a browser gets the web client.
const bridge = (window as Window & { aiaStudio?: AppBridge }).aiaStudio;

createApp(App)
  .use(createPinia())
  .provide(APP_API, bridge ? createAppApi(bridge) : webClient())
  .provide(DESKTOP, bridge?.desktop)
  .mount('#app');
