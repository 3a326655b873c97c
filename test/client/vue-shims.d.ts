// For the root `tsc --noEmit`, which type-checks test/ without the Vue plugin: single-file
// components are typed precisely by `vue-tsc -p client/tsconfig.json` instead.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
