// The run options (the CLI's options of the same name), the command line they amount to, and
// "Analyse again" when they differ from those of the run shown.

import type { RunOptions } from '../worker-protocol.ts';

function optionFlags(o: RunOptions): string {
  const f: string[] = [];
  if (o.allDialogs) f.push('--all-dialogs');
  if (o.idleTimeout !== undefined) f.push(`--idle-timeout ${o.idleTimeout}`);
  if (o.establishedTimeout !== undefined) f.push(`--established-timeout ${o.establishedTimeout}`);
  if (o.timestampFormat !== undefined && o.timestampFormat !== 1) f.push(`--timestamp-format ${o.timestampFormat}`);
  return f.join(' ');
}

function sameOptions(a: RunOptions, b: RunOptions): boolean {
  return optionFlags(a) === optionFlags(b);
}

export interface OptionsPanelProps {
  options: RunOptions;
  /** the options of the run shown */
  usedOptions: RunOptions;
  /** files are loaded and not being read: they can be read again */
  canReanalyze: boolean;
  onChange(patch: Partial<RunOptions>): void;
  onReanalyze(): void;
}

export function OptionsPanel({ options, usedOptions, canReanalyze, onChange, onReanalyze }: OptionsPanelProps) {
  return (
    <details className="options" data-testid="options">
      <summary>Options</summary>
      <div className="options-body">
        <label>
          <input
            type="checkbox"
            data-testid="opt-all-dialogs"
            checked={options.allDialogs === true}
            onChange={(e) => onChange({ allDialogs: e.currentTarget.checked || undefined })}
          />{' '}
          all dialogs (REGISTER, OPTIONS… as records)
        </label>
        <SecondsOption
          label="idle timeout"
          placeholder={300}
          testId="opt-idle-timeout"
          value={options.idleTimeout}
          onChange={(n) => onChange({ idleTimeout: n })}
        />
        <SecondsOption
          label="established timeout"
          placeholder={7200}
          testId="opt-established-timeout"
          value={options.establishedTimeout}
          onChange={(n) => onChange({ establishedTimeout: n })}
        />
        <label>
          dump/CSV times{' '}
          <select
            data-testid="opt-timestamp-format"
            value={options.timestampFormat ?? 1}
            onChange={(e) => {
              const v = Number(e.currentTarget.value) as 0 | 1 | 2;
              onChange({ timestampFormat: v === 1 ? undefined : v });
            }}
          >
            <option value={1}>epoch with fraction</option>
            <option value={0}>epoch seconds</option>
            <option value={2}>ISO 8601 UTC</option>
          </select>
        </label>
        <p className="note">
          CLI equivalent: <code>sipscope read FILE {optionFlags(options)}</code>
        </p>
        {canReanalyze && !sameOptions(options, usedOptions) && (
          <button type="button" className="primary" data-testid="reanalyze" onClick={onReanalyze}>
            Analyse again with these options
          </button>
        )}
      </div>
    </details>
  );
}

/** A timeout option in seconds; empty means the default (shown as the placeholder). */
function SecondsOption(props: {
  label: string;
  placeholder: number;
  testId: string;
  value: number | undefined;
  onChange: (n: number | undefined) => void;
}) {
  return (
    <label>
      {props.label}{' '}
      <input
        type="number"
        min={1}
        placeholder={String(props.placeholder)}
        data-testid={props.testId}
        value={props.value ?? ''}
        onChange={(e) => {
          const v = e.currentTarget.value;
          const n = Number(v);
          props.onChange(v !== '' && n >= 1 ? n : undefined);
        }}
      />{' '}
      s
    </label>
  );
}
