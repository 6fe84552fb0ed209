import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element: the UI has nowhere to mount.');

export default mount(App, { target });
