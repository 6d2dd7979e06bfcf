// The Explorer's JSON API (docs/explorer.md). Errors come back as { error: { code, message } }.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;
  let response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" } });
  } catch (err) {
    throw new ApiError(0, "UNREACHABLE", `The Explorer server cannot be reached (${err.message}).`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A non-JSON answer (a proxy's error page, say) is reported with its status below.
  }
  if (!response.ok || body === null) {
    const code = body?.error?.code ?? "INTERNAL";
    const message = body?.error?.message ?? `${url} answered HTTP ${response.status}.`;
    throw new ApiError(response.status, code, message);
  }
  return body;
}
