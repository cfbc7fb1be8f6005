/** A message after an action: a success note or an error, announced to screen readers. */
export function Notice({
  message,
  error,
}: {
  message?: string | null | undefined;
  error?: string | null | undefined;
}) {
  if (error) {
    return (
      <p className="notice error" role="alert">
        {error}
      </p>
    );
  }
  if (message) {
    return (
      <p className="notice" role="status">
        {message}
      </p>
    );
  }
  return null;
}
