// The model picker: shown only when the operator allows more than one model (model.allowed).
// The list comes from GET v1/models (`agent`, then `agent:<name>` per allowed model, the
// default first); the page sends the picked name as the query's `model`.

import { api, ui } from './page.js';

/** Fills and shows the picker when there is a choice; keeps it hidden otherwise (or when the
 *  list cannot be read, e.g. /v1 is behind API keys the page does not have). */
export async function loadModels() {
  let names = [];
  try {
    const list = await api.models();
    names = (list?.data ?? []).map((model) => model.id).filter((id) => id.startsWith('agent:'))
      .map((id) => id.slice('agent:'.length));
  } catch {
    names = [];
  }
  ui.modelSelect.replaceChildren();
  if (names.length < 2) {
    ui.modelPicker.hidden = true;
    return;
  }
  names.forEach((name, index) => {
    const option = document.createElement('option');
    option.value = index === 0 ? '' : name;
    option.textContent = index === 0 ? `${name} (default)` : name;
    ui.modelSelect.append(option);
  });
  ui.modelPicker.hidden = false;
}

/** The picked model's name, or null for the server's default. */
export function chosenModel() {
  return ui.modelPicker.hidden ? null : (ui.modelSelect.value || null);
}
