// Templates (and shadow styles) of the stand-ins for the Lightning base components the card uses. They are LWC
// templates, compiled by @lwc/compiler like the card's own; they live here as strings rather than `.html` files because
// the repository's one linter (Biome) cannot parse LWC template syntax (`attr={value}`), and the card's own templates
// are the only ones its config exempts. lwc.plugin.ts serves each as the `./<name>.html` its component imports.
//
// Each renders plain, accessible HTML with the label the card gives it: a real <button>, <label> + <input>/<select>.
// `id`/`for` pairs are static so the template compiler scopes both alike.

export interface ShimTemplate {
  html: string;
  css?: string;
}

const FIELD_CSS = `.field { display: grid; gap: .25rem; margin: .25rem 0; }
label { font-size: .75rem; color: #444; }
input, select, textarea { font: inherit; padding: .25rem .5rem; border: 1px solid #c9c9c9; border-radius: .25rem; }
.help { margin: 0; font-size: .75rem; color: #706e6b; }`;

export const LIGHTNING_TEMPLATES: Readonly<Record<string, ShimTemplate>> = {
  card: {
    html: `<template>
  <article class="card">
    <header class="card-header">
      <span class="card-icon" aria-hidden="true">{iconInitial}</span>
      <h2 class="card-title">{title}</h2>
    </header>
    <div class="card-body"><slot></slot></div>
  </article>
</template>`,
    css: `.card { border: 1px solid #d8dde6; border-radius: .25rem; background: #fff; box-shadow: 0 2px 2px rgba(0,0,0,.1); }
.card-header { display: flex; align-items: center; gap: .5rem; padding: .75rem 1rem; }
.card-icon { display: inline-grid; place-items: center; width: 1.5rem; height: 1.5rem; border-radius: .25rem;
  background: #0176d3; color: #fff; font-weight: 700; font-size: .75rem; }
.card-title { margin: 0; font-size: 1rem; font-weight: 700; }
.card-body { padding: 0 1rem .75rem; }`,
  },

  button: {
    html: `<template>
  <button type="button" class={buttonClass} disabled={disabled}>{label}</button>
</template>`,
    css: `button { font: inherit; padding: .25rem 1rem; border-radius: .25rem; border: 1px solid #c9c9c9;
  background: #fff; color: #0176d3; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
.brand { background: #0176d3; border-color: #0176d3; color: #fff; }
.destructive { background: #ba0517; border-color: #ba0517; color: #fff; }
.base { border-color: transparent; background: none; padding: 0; }`,
  },

  badge: {
    html: `<template>
  <span class="badge">{label}</span>
</template>`,
    css: `.badge { display: inline-block; margin-left: .5rem; padding: .125rem .5rem; border-radius: 1rem;
  background: #ecebea; font-size: .75rem; font-weight: 700; }`,
  },

  spinner: {
    html: `<template>
  <div class="spinner" role="status">{alternativeText}</div>
</template>`,
    css: `.spinner { font-size: .75rem; color: #706e6b; }`,
  },

  input: {
    html: `<template>
  <div class="field">
    <label for="control">{labelText}</label>
    <input
      id="control"
      type={type}
      placeholder={placeholder}
      min={min}
      max={max}
      step={step}
      value={inputValue}
      required={required}
      disabled={disabled}
      oninput={handleInput}
    />
    <template lwc:if={fieldLevelHelp}>
      <p class="help">{fieldLevelHelp}</p>
    </template>
  </div>
</template>`,
    css: FIELD_CSS,
  },

  textarea: {
    html: `<template>
  <div class="field">
    <label for="control">{labelText}</label>
    <textarea
      id="control"
      placeholder={placeholder}
      maxlength={maxLength}
      required={required}
      disabled={disabled}
      oninput={handleInput}
    ></textarea>
  </div>
</template>`,
    css: FIELD_CSS,
  },

  combobox: {
    html: `<template>
  <div class="field">
    <label for="control">{labelText}</label>
    <select id="control" required={required} disabled={disabled} onchange={handleChange}>
      <option value="" disabled selected={noValue}>{placeholder}</option>
      <template for:each={choices} for:item="choice">
        <option key={choice.key} value={choice.value} selected={choice.selected}>{choice.label}</option>
      </template>
    </select>
  </div>
</template>`,
    css: FIELD_CSS,
  },
};
