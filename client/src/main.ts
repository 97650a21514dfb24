/** Client entry: Vue app with Pinia and the router; the bundled CJK font for page and map text. */
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { startEarly } from './early.ts';
import { router } from './router.ts';

const pinia = createPinia();
createApp(App).use(pinia).use(router).mount('#app');
void startEarly(pinia);
