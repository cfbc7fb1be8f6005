/** The page frame: navigation for a signed-in admin, the outlet, and one error boundary. */
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/cloudflare';
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useRouteError,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { parseConfig } from '../../core/config.ts';
import { currentAdmin } from './lib/auth.server.ts';
import './styles.css';

export const meta: MetaFunction = () => [{ title: 'reelbot admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const config = parseConfig(context.cloudflare.env);
  const admin = await currentAdmin(request, config);
  return { identity: admin?.identity ?? null, via: admin?.via ?? null };
}

const NAV = [
  ['/', 'Overview'],
  ['/jobs', 'Jobs'],
  ['/failed', 'Failed'],
  ['/users', 'Users'],
  ['/providers', 'Providers'],
  ['/audit', 'Audit log'],
  ['/new', 'New job'],
] as const;

function Navigation({ identity }: { identity: string }) {
  return (
    <header className="topbar">
      <a className="brand" href="/">
        reelbot
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === '/'} prefetch="intent">
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Form method="post" action="/logout" className="signout">
        <span className="who">{identity}</span>
        <button type="submit" className="secondary">
          Sign out
        </button>
      </Form>
    </header>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  const { identity } = useLoaderData<typeof loader>();
  return (
    <>
      {identity ? <Navigation identity={identity} /> : null}
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : 'Error';
  const message = isRouteErrorResponse(error)
    ? typeof error.data === 'string'
      ? error.data
      : 'The request could not be completed.'
    : 'Something went wrong on our side. Reload the page; if it keeps happening, check the logs.';
  return (
    <main id="main" className="error-page">
      <h1>{title}</h1>
      <p role="alert">{message}</p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </main>
  );
}
