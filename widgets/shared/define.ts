// Registers a custom element once. A second copy of the script on a page finds the tag taken:
// it warns (code `ow_define_twice`) and keeps the first definition instead of throwing.
export function defineElement(tag: string, element: CustomElementConstructor): void {
  if (typeof customElements === 'undefined') return;
  const existing = customElements.get(tag);
  if (existing) {
    if (existing !== element) {
      console.warn(
        `[offerwise] ow_define_twice: <${tag}> is already defined; keeping the first definition`,
      );
    }
    return;
  }
  customElements.define(tag, element);
}
