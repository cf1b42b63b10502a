// The local card preview's stand-in for `@hubspot/ui-extensions`: the components the card uses, as plain semantic HTML.
//
// In HubSpot the card runs in a sandboxed worker and its component tree is rendered by HubSpot's own design system; in
// the preview (`npm start` → /preview) esbuild aliases `@hubspot/ui-extensions` to this file, so the REAL card code runs
// in the page with react-dom. Props follow the package's own types (imported below, type-only, so the bundle never
// pulls the real package in); behaviours we had to mimic are listed in docs/BEHAVIOR.md ("The local card preview").
// Only what the card imports is implemented: a missing export fails the bundle build, naming it.

import type {
  AlertProps,
  AllDistances,
  ButtonProps,
  DividerProps,
  EmptyStateProps,
  ErrorStateProps,
  FlexProps,
  HeadingProps,
  HrefProp,
  InputProps,
  LinkProps,
  ListProps,
  LoadingSpinnerProps,
  NumberInputProps,
  Reactions,
  SearchInputProps,
  SelectProps,
  StatusTagProps,
  TableCellProps,
  TableElementProps,
  TableHeaderProps,
  TableProps,
  TagProps,
  TextAreaProps,
  TextFormatOptions,
  TextProps,
  TileProps,
} from '@hubspot/ui-extensions';
import {
  Children,
  type CSSProperties,
  isValidElement,
  type MouseEvent as ReactMouseEvent,
  type ReactNode,
  type SyntheticEvent,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { browser, controlValue } from './browser-globals.ts';

/** `testId` is how HubSpot's testing renderer finds a component; in the browser it becomes `data-testid`. */
const testIdOf = (testId: string | undefined) => (testId === undefined ? {} : { 'data-testid': testId });

const cx = (...names: Array<string | false | undefined>) => names.filter(Boolean).join(' ');

const GAPS: Record<AllDistances, string> = {
  flush: '0',
  'extra-small': '4px',
  xs: '4px',
  small: '8px',
  sm: '8px',
  medium: '16px',
  md: '16px',
  large: '24px',
  lg: '24px',
  'extra-large': '32px',
  xl: '32px',
};

const FLEX_POSITIONS = {
  start: 'flex-start',
  end: 'flex-end',
  center: 'center',
  baseline: 'baseline',
  stretch: 'stretch',
  around: 'space-around',
  between: 'space-between',
} as const;

/** HubSpot hands event handlers an `ExtensionEvent` (type, bubbles, timeStamp, id) and overlay reactions. */
function extensionEvent(event: SyntheticEvent) {
  return { type: event.type, bubbles: event.bubbles, timeStamp: event.timeStamp, id: '' };
}

const NO_OVERLAYS: Reactions = {
  openPanel: () => undefined,
  closePanel: () => undefined,
  openModal: () => undefined,
  closeModal: () => undefined,
};

function hrefOf(href: HrefProp): { url: string; external: boolean } {
  if (typeof href === 'string') return { url: href, external: !sameOrigin(href) };
  return { url: href.url, external: href.external ?? !sameOrigin(href.url) };
}

function sameOrigin(url: string): boolean {
  try {
    return new URL(url, browser.location.href).origin === browser.location.origin;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Layout and text

export function Flex({
  children,
  direction = 'row',
  gap = 'flush',
  justify,
  align,
  alignSelf,
  wrap,
  testId,
}: FlexProps) {
  const style: CSSProperties = {
    flexDirection: direction,
    gap: GAPS[gap],
    flexWrap: wrap === true || wrap === 'wrap' ? 'wrap' : 'nowrap',
    ...(justify === undefined ? {} : { justifyContent: FLEX_POSITIONS[justify] }),
    ...(align === undefined ? {} : { alignItems: FLEX_POSITIONS[align] }),
    ...(alignSelf === undefined ? {} : { alignSelf: FLEX_POSITIONS[alignSelf] }),
  };
  return (
    <div className="hs-flex" style={style} {...testIdOf(testId)}>
      {children}
    </div>
  );
}

export function Tile({ children, compact = false, flush = false, testId }: TileProps) {
  return (
    <section className={cx('hs-tile', compact && 'hs-tile--compact', flush && 'hs-tile--flush')} {...testIdOf(testId)}>
      {children}
    </section>
  );
}

export function Divider({ size, distance, testId }: DividerProps) {
  const space = GAPS[size ?? distance ?? 'small'];
  return <hr className="hs-divider" style={{ marginBlock: space }} {...testIdOf(testId)} />;
}

export function Heading({ children, inline = false, testId }: HeadingProps) {
  return (
    <h2 className={cx('hs-heading', inline && 'hs-heading--inline')} {...testIdOf(testId)}>
      {children}
    </h2>
  );
}

function textStyle(format: TextFormatOptions | undefined): CSSProperties {
  if (format === undefined) return {};
  const weights = { regular: 400, demibold: 600, bold: 700 } as const;
  const decorations = { none: 'none', underline: 'underline', strikethrough: 'line-through' } as const;
  return {
    ...(format.fontWeight === undefined ? {} : { fontWeight: weights[format.fontWeight] }),
    ...(format.italic ? { fontStyle: 'italic' } : {}),
    ...(format.lineDecoration === undefined ? {} : { textDecoration: decorations[format.lineDecoration] }),
    ...(format.textTransform === undefined || format.textTransform === 'sentenceCase'
      ? {}
      : { textTransform: format.textTransform }),
  };
}

export function Text({ children, variant = 'bodytext', inline = false, format, truncate = false, testId }: TextProps) {
  const className = cx(
    'hs-text',
    variant === 'microcopy' && 'hs-text--microcopy',
    truncate !== false && 'hs-text--truncate',
    format?.textTransform === 'sentenceCase' && 'hs-text--sentence',
  );
  const style: CSSProperties = {
    ...textStyle(format),
    ...(typeof truncate === 'object' && truncate.maxWidth !== undefined ? { maxWidth: truncate.maxWidth } : {}),
  };
  const title = typeof truncate === 'object' ? truncate.tooltipText : undefined;
  const Element = inline ? 'span' : 'p';
  return (
    <Element className={className} style={style} {...(title === undefined ? {} : { title })} {...testIdOf(testId)}>
      {children}
    </Element>
  );
}

/** HubSpot wraps each child of a List in an `li`. */
export function List({ children, variant = 'unordered', testId }: ListProps) {
  const ordered = variant === 'ordered' || variant === 'ordered-styled';
  const className = cx(
    'hs-list',
    (variant === 'unordered-styled' || variant === 'ordered-styled') && 'hs-list--styled',
    (variant === 'inline' || variant === 'inline-divided') && 'hs-list--inline',
    variant === 'inline-divided' && 'hs-list--divided',
  );
  const items = Children.toArray(children).map((child, index) => (
    <li key={isValidElement(child) && child.key !== null ? child.key : index}>{child}</li>
  ));
  return ordered ? (
    <ol className={className} {...testIdOf(testId)}>
      {items}
    </ol>
  ) : (
    <ul className={className} {...testIdOf(testId)}>
      {items}
    </ul>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Feedback: alerts, states, tags, spinner

const ALERT_ROLES: Record<NonNullable<AlertProps['variant']>, 'alert' | 'status'> = {
  info: 'status',
  tip: 'status',
  success: 'status',
  warning: 'alert',
  error: 'alert',
  danger: 'alert',
};

export function Alert({ title, children, variant = 'info', testId }: AlertProps) {
  return (
    <div className={`hs-alert hs-alert--${variant}`} role={ALERT_ROLES[variant]} {...testIdOf(testId)}>
      <strong className="hs-alert__title">{title}</strong>
      {children !== undefined && <div className="hs-alert__body">{children}</div>}
    </div>
  );
}

export function EmptyState({ children, title, layout = 'horizontal', flush = false, testId }: EmptyStateProps) {
  return (
    <section
      className={cx('hs-empty', layout === 'vertical' && 'hs-empty--vertical', flush && 'hs-empty--flush')}
      {...testIdOf(testId)}
    >
      {title !== undefined && <h3 className="hs-empty__title">{title}</h3>}
      <div>{children}</div>
    </section>
  );
}

export function ErrorState({ children, title, type = 'error', testId }: ErrorStateProps) {
  return (
    <section className={`hs-error-state hs-error-state--${type}`} role="alert" {...testIdOf(testId)}>
      {title !== undefined && <h3 className="hs-error-state__title">{title}</h3>}
      <div className="hs-error-state__body">{children}</div>
    </section>
  );
}

export function StatusTag({ children, variant = 'default', hollow = false, onClick, testId }: StatusTagProps) {
  const content = (
    <>
      <span className={cx('hs-status-tag__dot', hollow && 'hs-status-tag__dot--hollow')} aria-hidden="true" />
      {children}
    </>
  );
  const className = `hs-status-tag hs-status-tag--${variant}`;
  return onClick === undefined ? (
    <span className={className} {...testIdOf(testId)}>
      {content}
    </span>
  ) : (
    <button type="button" className={className} onClick={() => onClick()} {...testIdOf(testId)}>
      {content}
    </button>
  );
}

export function Tag({ children, variant = 'default', onClick, inline = false, testId }: TagProps) {
  const className = cx('hs-tag', `hs-tag--${variant}`, inline && 'hs-tag--inline');
  return onClick === undefined ? (
    <span className={className} {...testIdOf(testId)}>
      {children}
    </span>
  ) : (
    <button
      type="button"
      className={className}
      onClick={(event) => {
        void onClick(extensionEvent(event), NO_OVERLAYS);
      }}
      {...testIdOf(testId)}
    >
      {children}
    </button>
  );
}

export function LoadingSpinner({
  label,
  showLabel = false,
  size = 'sm',
  layout = 'inline',
  testId,
}: LoadingSpinnerProps) {
  return (
    <div
      className={cx('hs-spinner', layout === 'centered' && 'hs-spinner--centered', `hs-spinner--${size}`)}
      role="status"
      aria-live="polite"
      {...testIdOf(testId)}
    >
      <span className="hs-spinner__wheel" aria-hidden="true" />
      <span className={showLabel ? 'hs-spinner__label' : 'hs-visually-hidden'}>{label}</span>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Actions: buttons and links

const BUTTON_SIZES = { 'extra-small': 'xs', xs: 'xs', small: 'sm', sm: 'sm', medium: 'md', md: 'md' } as const;

export function Button({
  children,
  onClick,
  href,
  disabled = false,
  variant = 'secondary',
  type = 'button',
  size = 'md',
  truncate = false,
  testId,
}: ButtonProps) {
  const className = cx(
    'hs-button',
    `hs-button--${variant}`,
    `hs-button--${BUTTON_SIZES[size]}`,
    truncate && 'hs-text--truncate',
  );
  const click = (event: ReactMouseEvent) => {
    if (href !== undefined) {
      const { url, external } = hrefOf(href);
      if (external) browser.open(url, '_blank', 'noopener,noreferrer');
      else browser.location.assign(url);
    }
    if (onClick !== undefined) void onClick(extensionEvent(event), NO_OVERLAYS);
  };
  return (
    <button type={type} className={className} disabled={disabled} onClick={click} {...testIdOf(testId)}>
      {children}
    </button>
  );
}

export function Link({ children, href, variant = 'primary', onClick, preventDefault = false, testId }: LinkProps) {
  const { url, external } = hrefOf(href);
  return (
    <a
      className={`hs-link hs-link--${variant}`}
      href={url}
      {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}
      onClick={(event) => {
        if (preventDefault) event.preventDefault();
        if (onClick !== undefined) void onClick(extensionEvent(event), NO_OVERLAYS);
      }}
      {...testIdOf(testId)}
    >
      {children}
      {external && <span aria-hidden="true"> ↗</span>}
    </a>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Form fields. HubSpot's inputs keep their own text while the user types: `onInput` fires on every edit, `onChange`
// only when the value is committed (blur), and a new `value` prop replaces the text. The preview does the same, so a
// card that only listens to `onChange` still lets the user type.

interface FieldFrameProps {
  id: string;
  label: string | undefined;
  required: boolean | undefined;
  description: string | undefined;
  tooltip: string | undefined;
  error: boolean | undefined;
  validationMessage: string | undefined;
  testId: string | undefined;
  children: ReactNode;
}

function FieldFrame({
  id,
  label,
  required,
  description,
  tooltip,
  error,
  validationMessage,
  testId,
  children,
}: FieldFrameProps) {
  return (
    <div className={cx('hs-field', error && 'hs-field--error')} {...testIdOf(testId)}>
      {label !== undefined && (
        <label className="hs-field__label" htmlFor={id} {...(tooltip === undefined ? {} : { title: tooltip })}>
          {label}
          {required && (
            <span className="hs-field__required" aria-hidden="true">
              {' '}
              *
            </span>
          )}
        </label>
      )}
      {description !== undefined && (
        <span className="hs-field__description" id={`${id}-description`}>
          {description}
        </span>
      )}
      {children}
      {validationMessage !== undefined && (
        <span
          className={error ? 'hs-field__message hs-field__message--error' : 'hs-field__message'}
          id={`${id}-message`}
          {...(error ? { role: 'alert' } : {})}
        >
          {validationMessage}
        </span>
      )}
    </div>
  );
}

function describedBy(id: string, description: string | undefined, validationMessage: string | undefined) {
  const ids = [
    description === undefined ? '' : `${id}-description`,
    validationMessage === undefined ? '' : `${id}-message`,
  ];
  const joined = ids.filter(Boolean).join(' ');
  return joined === '' ? {} : { 'aria-describedby': joined };
}

/**
 * What a field shows: its own state while the user edits, replaced whenever the card passes a different `value` —
 * also when the card drops `value` (a reset after submit), so the field never shows what the card no longer holds.
 */
function useCardValue<T>(value: T | undefined, initial: T | undefined): [T | undefined, (next: T | undefined) => void] {
  const [current, setCurrent] = useState<T | undefined>(value ?? initial);
  const previous = useRef(value);
  useEffect(() => {
    if (Object.is(previous.current, value)) return;
    previous.current = value;
    setCurrent(value);
  }, [value]);
  return [current, setCurrent];
}

function useFieldText(value: string | undefined, defaultValue: string | undefined): [string, (text: string) => void] {
  const [text, setText] = useCardValue(value, defaultValue);
  return [text ?? '', setText];
}

type TextFieldProps = (InputProps | SearchInputProps | TextAreaProps) & {
  kind: 'text' | 'password' | 'search' | 'textarea';
};

function TextField(props: TextFieldProps) {
  const { label, name, value, defaultValue, required, readOnly, description, tooltip, placeholder, error } = props;
  const { validationMessage, onChange, onInput, onBlur, onFocus, testId, kind } = props;
  const id = useId();
  const [text, setText] = useFieldText(value, defaultValue);
  const common = {
    id,
    name,
    value: text,
    required: required ?? false,
    readOnly: readOnly ?? false,
    'aria-invalid': error ?? false,
    ...(placeholder === undefined ? {} : { placeholder }),
    ...describedBy(id, description, validationMessage),
    onFocus: () => onFocus?.(text),
    onBlur: () => {
      onChange?.(text);
      onBlur?.(text);
    },
  };
  const edit = (next: string) => {
    setText(next);
    onInput?.(next);
  };
  let field: ReactNode;
  if (kind === 'textarea') {
    const { rows, cols, maxLength, resize = 'both' } = props as TextAreaProps;
    field = (
      <textarea
        className="hs-input hs-textarea"
        style={{ resize }}
        {...common}
        {...(rows === undefined ? {} : { rows })}
        {...(cols === undefined ? {} : { cols })}
        {...(maxLength === undefined ? {} : { maxLength })}
        onChange={(event) => edit(controlValue(event))}
      />
    );
  } else {
    field = (
      <input
        className="hs-input"
        type={kind}
        {...common}
        onChange={(event) => edit(controlValue(event))}
        onKeyDown={(event) => {
          // A form submit commits the value in HubSpot; Enter is the closest the preview has.
          if (event.key === 'Enter' && kind === 'search') onChange?.(text);
        }}
      />
    );
  }
  return (
    <FieldFrame
      id={id}
      label={label}
      required={required}
      description={description}
      tooltip={tooltip}
      error={error}
      validationMessage={validationMessage}
      testId={testId}
    >
      {field}
    </FieldFrame>
  );
}

export function Input(props: InputProps) {
  return <TextField {...props} kind={props.type === 'password' ? 'password' : 'text'} />;
}

export function SearchInput(props: SearchInputProps) {
  return <TextField {...props} kind="search" />;
}

export function TextArea(props: TextAreaProps) {
  return <TextField {...props} kind="textarea" />;
}

/**
 * Commits a number on blur. An emptied or unreadable field is committed as `NaN` (the card treats `NaN` and
 * `undefined` alike: "no value"); `min`/`max` are shown to the browser but not enforced, as in HubSpot.
 */
export function NumberInput(props: NumberInputProps) {
  const { label, name, value, defaultValue, required, readOnly, description, tooltip, placeholder, error } = props;
  const { validationMessage, onChange, onInput, onBlur, onFocus, min, max, precision, testId } = props;
  const id = useId();
  const [text, setText] = useFieldText(
    value === undefined ? undefined : String(value),
    defaultValue === undefined ? undefined : String(defaultValue),
  );
  const parsed = () => (text.trim() === '' ? Number.NaN : Number(text));
  const step = precision === undefined ? 'any' : precision === 0 ? 1 : 10 ** -precision;
  return (
    <FieldFrame
      id={id}
      label={label}
      required={required}
      description={description}
      tooltip={tooltip}
      error={error}
      validationMessage={validationMessage}
      testId={testId}
    >
      <input
        className="hs-input hs-input--number"
        id={id}
        name={name}
        type="number"
        inputMode="decimal"
        step={step}
        value={text}
        required={required ?? false}
        readOnly={readOnly ?? false}
        aria-invalid={error ?? false}
        {...(placeholder === undefined ? {} : { placeholder })}
        {...(min === undefined ? {} : { min })}
        {...(max === undefined ? {} : { max })}
        {...describedBy(id, description, validationMessage)}
        onChange={(event) => {
          const next = controlValue(event);
          setText(next);
          onInput?.(next.trim() === '' ? Number.NaN : Number(next));
        }}
        onFocus={() => onFocus?.(parsed())}
        onBlur={() => {
          onChange?.(parsed());
          onBlur?.(parsed());
        }}
      />
    </FieldFrame>
  );
}

/**
 * A native select. Options keep their typed values (string, number or boolean) by index; with no (or an unknown)
 * `value` the placeholder is shown, so picking the first option is a real change, as in HubSpot's dropdown.
 */
export function Select(props: SelectProps) {
  const { label, name, value, options, required, readOnly, description, tooltip, placeholder, error } = props;
  const { validationMessage, onChange, testId } = props;
  const id = useId();
  const indexOf = (wanted: SelectProps['value']) =>
    wanted === undefined ? -1 : options.findIndex((option) => option.value === wanted);
  const [selected, setSelected] = useCardValue(value, undefined);
  const index = indexOf(selected);
  return (
    <FieldFrame
      id={id}
      label={label}
      required={required}
      description={description}
      tooltip={tooltip}
      error={error}
      validationMessage={validationMessage}
      testId={testId}
    >
      <select
        className="hs-input hs-select"
        id={id}
        {...(name === undefined ? {} : { name })}
        value={String(index)}
        required={required ?? false}
        disabled={readOnly ?? false}
        aria-invalid={error ?? false}
        {...describedBy(id, description, validationMessage)}
        onChange={(event) => {
          const option = options[Number(controlValue(event))];
          if (option === undefined) return;
          setSelected(option.value);
          onChange?.(option.value);
        }}
      >
        {index === -1 && (
          <option value="-1" disabled={true}>
            {placeholder ?? 'Select an option'}
          </option>
        )}
        {options.map((option, position) => (
          <option key={`${String(option.value)}:${option.label}`} value={String(position)}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Tables

const CELL_WIDTHS = { min: '1%', max: '100%', auto: 'auto' } as const;

function cellStyle(align: 'left' | 'center' | 'right' | undefined, width: TableCellProps['width']): CSSProperties {
  return {
    ...(align === undefined ? {} : { textAlign: align }),
    ...(width === undefined ? {} : { width: typeof width === 'number' ? `${width}px` : CELL_WIDTHS[width] }),
  };
}

export function Table({ children, bordered = true, flush = false, density = 'default', testId }: TableProps) {
  return (
    <table
      className={cx('hs-table', bordered && 'hs-table--bordered', flush && 'hs-table--flush', `hs-table--${density}`)}
      {...testIdOf(testId)}
    >
      {children}
    </table>
  );
}

export function TableHead({ children, testId }: TableElementProps) {
  return <thead {...testIdOf(testId)}>{children}</thead>;
}

export function TableBody({ children, testId }: TableElementProps) {
  return <tbody {...testIdOf(testId)}>{children}</tbody>;
}

export function TableRow({ children, testId }: TableElementProps) {
  return <tr {...testIdOf(testId)}>{children}</tr>;
}

export function TableHeader({ children, align, width, testId }: TableHeaderProps) {
  return (
    <th scope="col" style={cellStyle(align, width)} {...testIdOf(testId)}>
      {children}
    </th>
  );
}

export function TableCell({ children, align, width, colSpan, testId }: TableCellProps) {
  return (
    <td style={cellStyle(align, width)} {...(colSpan === undefined ? {} : { colSpan })} {...testIdOf(testId)}>
      {children}
    </td>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// The `hubspot` global API

const unavailable = (what: string) => () =>
  Promise.reject(new Error(`${what} is not available in the local card preview; the preview passes its own fetcher`));

/**
 * `extend` registers the card with HubSpot's worker; the preview mounts the component itself, so it does nothing.
 * `fetch`/`serverless` would need HubSpot's signing proxy: the preview's fetcher goes through the service's
 * `/preview/api` proxy instead, so these only fail loudly if the card ever bypasses its `fetcher` prop.
 */
export const hubspot = {
  extend: (_render: unknown) => undefined,
  fetch: unavailable('hubspot.fetch'),
  serverless: unavailable('hubspot.serverless'),
};
