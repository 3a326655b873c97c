import { mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils';
import type { Pinia } from 'pinia';
import { expect, vi } from 'vitest';
import App from '../../client/App.vue';

/** The whole app mounted on the page, with helpers to find things by data-testid. */
export interface MountedApp {
  wrapper: VueWrapper;
  byTestId(id: string): DOMWrapper<Element>;
  allByTestId(id: string): DOMWrapper<Element>[];
  /** The element's text with white space collapsed. */
  textOf(id: string): string;
  /** Clicks Connect Wallet and waits for the wallet card and the Buy panel's terms. */
  connect(): Promise<void>;
  /** Types into an input (firing `input`), as a person would. */
  type(id: string, text: string): Promise<void>;
}

export function mountApp(pinia: Pinia): MountedApp {
  const wrapper = mount(App, { global: { plugins: [pinia] }, attachTo: document.body });
  const byTestId = (id: string) => wrapper.find<Element>(`[data-testid="${id}"]`);
  const allByTestId = (id: string) => wrapper.findAll<Element>(`[data-testid="${id}"]`);
  const textOf = (id: string) => byTestId(id).text().replace(/\s+/g, ' ').trim();
  return {
    wrapper,
    byTestId,
    allByTestId,
    textOf,
    async connect() {
      await byTestId('connect-wallet').trigger('click');
      await vi.waitFor(() => expect(byTestId('wallet-balance').exists()).toBe(true));
      await vi.waitFor(() => expect(byTestId('buy-aitbc-input').exists()).toBe(true));
    },
    async type(id: string, text: string) {
      await byTestId(id).setValue(text);
    },
  };
}

/** The input's current value (what the user sees in the field). */
export function valueOf(app: MountedApp, id: string): string {
  return (app.byTestId(id).element as HTMLInputElement).value;
}
