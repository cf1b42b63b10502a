import express, { type Request, type Response, type Router } from 'express';
import { formatDateTime } from '../org/field-values.ts';
import { oauthError, SalesforceHttpError } from '../salesforce-errors.ts';
import { dataPath, type RouteContext } from './route-context.ts';

/**
 * The login host's endpoints (`loginUrl` = the stand-in's URL): `/services/oauth2/authorize` (GET, and POST for the
 * login form), `/services/oauth2/token`, `/services/oauth2/revoke`, `/services/oauth2/userinfo` and the identity URL
 * `/id/<orgId>/<userId>` (Identity URLs: Bearer header or `oauth_token` parameter, `format=json`). None of them
 * counts against the org's API allowance.
 */

export interface OAuthRouteOptions {
  /** The demo user signs in without a form (like the other stand-ins' consent screens). */
  autoLogin: boolean;
  /** Who is signed in when `autoLogin` is on. */
  signedInUserId: () => string;
}

function query(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const source = req.method === 'POST' ? (req.body as Record<string, unknown>) : (req.query as Record<string, unknown>);
  for (const [name, value] of Object.entries(source ?? {})) if (typeof value === 'string') out[name] = value;
  return out;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function loginPage(params: Record<string, string | undefined>, message?: string): string {
  const hidden = Object.entries(params)
    .filter(([name, value]) => value !== undefined && name !== 'username' && name !== 'pw' && name !== 'password')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value ?? '')}">`)
    .join('\n    ');
  return `<!doctype html>
<html><head><title>Login | Salesforce (PartnerLoop stand-in)</title></head>
<body>
  <h1>Log in to the stand-in org</h1>
  ${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
  <form method="post" action="/services/oauth2/authorize">
    ${hidden}
    <label>Username <input name="username" autocomplete="username"></label>
    <label>Password <input name="pw" type="password" autocomplete="current-password"></label>
    <button type="submit">Log In</button>
  </form>
</body></html>`;
}

export function oauthRouter(context: RouteContext, options: OAuthRouteOptions): Router {
  const router = express.Router();
  const { oauth, org } = context;
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const op = (res: Response, name: string) => {
    res.locals.operation = name;
  };

  const authorizeError = (res: Response, error: unknown): void => {
    // Salesforce shows an error page when it cannot redirect (unknown client, callback mismatch).
    if (error instanceof SalesforceHttpError) {
      const body = error.body as { error: string; error_description: string };
      res
        .status(400)
        .type('text/plain')
        .send(`error=${body.error}&error_description=${encodeURIComponent(body.error_description)}`);
      return;
    }
    throw error;
  };

  router.get('/services/oauth2/authorize', (req, res) => {
    op(res, 'oauth.authorize');
    const params = query(req);
    try {
      const checked = oauth.checkAuthorize(params);
      if (options.autoLogin || checked.error) {
        res.redirect(302, oauth.approve(params, options.signedInUserId()));
        return;
      }
      res.status(200).type('html').send(loginPage(params));
    } catch (error) {
      authorizeError(res, error);
    }
  });

  router.post('/services/oauth2/authorize', form, (req, res) => {
    op(res, 'oauth.login');
    const params = query(req);
    try {
      oauth.checkAuthorize(params);
      const user = oauth.login(params.username, params.pw ?? params.password);
      if (!user) {
        res
          .status(200)
          .type('html')
          .send(
            loginPage(
              params,
              'Please check your username and password. If you still can\u2019t log in, contact your Salesforce administrator.',
            ),
          );
        return;
      }
      const { username: _u, pw: _p, password: _w, ...authorize } = params;
      res.redirect(302, oauth.approve(authorize, user.id));
    } catch (error) {
      authorizeError(res, error);
    }
  });

  router.post('/services/oauth2/token', form, (req, res) => {
    op(res, 'oauth.token');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.grant_type === 'string') op(res, `oauth.token.${body.grant_type}`);
    const tokens = oauth.token(body, req.get('authorization'));
    res.setHeader('Cache-Control', 'no-cache, no-store');
    res.json(tokens);
  });

  const revoke = (req: Request, res: Response) => {
    op(res, 'oauth.revoke');
    const token = query(req).token ?? '';
    if (!oauth.revoke(token)) {
      // The revoke endpoint answers its errors form-encoded (jsforce parses them with querystring).
      res
        .status(400)
        .type('application/x-www-form-urlencoded')
        .send('error=unsupported_token_type&error_description=this+token+type+is+not+supported');
      return;
    }
    res.status(200).end();
  };
  router.post('/services/oauth2/revoke', form, revoke);
  router.get('/services/oauth2/revoke', revoke);

  const userOf = (req: Request) => {
    const header = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const param = typeof req.query.oauth_token === 'string' ? req.query.oauth_token : undefined;
    return oauth.session(header ?? param);
  };

  router.get('/services/oauth2/userinfo', (req, res) => {
    op(res, 'oauth.userinfo');
    const session = userOf(req);
    if (!session) throw oauthError('invalid_token', 'Bad_OAuth_Token', 403);
    const user = org.get('User', session.userId);
    if (!user) throw oauthError('invalid_token', 'Bad_OAuth_Token', 403);
    res.json({
      sub: oauth.identityUrl(session.userId),
      user_id: session.userId,
      organization_id: org.orgId,
      preferred_username: user.Username,
      nickname: String(user.Username ?? '').split('@')[0],
      name: user.Name,
      email: user.Email,
      email_verified: true,
      given_name: user.FirstName,
      family_name: user.LastName,
      zoneinfo: 'GMT',
      active: user.IsActive === true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      updated_at: typeof user.LastModifiedDate === 'number' ? formatDateTime(user.LastModifiedDate) : null,
    });
  });

  router.get('/id/:orgId/:userId', (req, res) => {
    op(res, 'identity');
    const session = userOf(req);
    if (!session) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const userId = String(req.params.userId);
    const user = org.get('User', userId);
    if (String(req.params.orgId).slice(0, 15) !== org.orgId.slice(0, 15) || !user) {
      res.status(404).type('text/plain').send('Bad_Id');
      return;
    }
    const base = context.baseUrl();
    const rest = `${base}${dataPath('{version}')}`;
    res.json({
      id: oauth.identityUrl(user.Id),
      asserted_user: session.userId === user.Id,
      user_id: user.Id,
      organization_id: org.orgId,
      username: user.Username,
      nick_name: String(user.Username ?? '').split('@')[0],
      display_name: user.Name,
      email: user.Email,
      email_verified: true,
      first_name: user.FirstName,
      last_name: user.LastName,
      timezone: 'GMT',
      active: user.IsActive === true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date: typeof user.LastModifiedDate === 'number' ? formatDateTime(user.LastModifiedDate) : null,
      is_app_installed: true,
      urls: {
        rest: `${rest}/`,
        sobjects: `${rest}/sobjects/`,
        search: `${rest}/search/`,
        query: `${rest}/query/`,
        recent: `${rest}/recent/`,
        tooling_rest: `${rest}/tooling/`,
        profile: `${base}/${user.Id}`,
        custom_domain: base,
      },
    });
  });

  return router;
}
