/** A filter of a list page: a select named `name`, "Any" first, kept from the URL's query. */
export function FilterSelect(props: {
  label: string;
  name: string;
  options: readonly string[];
  params: URLSearchParams;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name} defaultValue={props.params.get(props.name) ?? ''}>
        <option value="">Any</option>
        {props.options.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
    </label>
  );
}
