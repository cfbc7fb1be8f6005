/** The daily, monthly and concurrent limit inputs, with what a blank field falls back to. */
export function LimitsFields({
  values,
  placeholders,
}: {
  values: { daily: number | null; monthly: number | null; concurrent: number | null };
  placeholders?: { daily: string; monthly: string; concurrent: string };
}) {
  const fields = [
    ['daily', 'Per day'],
    ['monthly', 'Per month'],
    ['concurrent', 'At once'],
  ] as const;
  return (
    <>
      {fields.map(([name, label]) => (
        <label key={name}>
          {label}
          <input
            type="number"
            name={name}
            min={0}
            step={1}
            inputMode="numeric"
            defaultValue={values[name] ?? ''}
            placeholder={placeholders?.[name] ?? 'no limit'}
          />
        </label>
      ))}
    </>
  );
}
