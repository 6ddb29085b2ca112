// A real OpenID Connect provider (the certified `oidc-provider` package) for algoreg's single sign-on
// tests. Only the person at the keyboard is automated: the login and consent screens are answered at
// once for the account named in the authorisation request's `login_hint`. Everything else (discovery,
// authorisation code with PKCE, the token endpoint, signed ID and access tokens, the JWKS, logout) is
// the package's own.
//
// Environment:
//   OIDC_PORT      port on 127.0.0.1 (0 picks one; the chosen one is printed as `ready <port>`)
//   OIDC_CLIENTS   JSON array of clients (oidc-provider's client metadata)
//   OIDC_ACCOUNTS  JSON object: account ID -> claims (email, email_verified, name, and any others)
//   OIDC_CLAIMS    JSON object: client ID -> extra claims in its client-credentials access tokens
//   OIDC_SHORT     client ID whose client-credentials access tokens live one second
//   OIDC_RESOURCE  the default resource (audience of access tokens)
//   OIDC_DEFAULT_ACCOUNT  the account that logs in when the request names none (browser tests)
import Provider from 'oidc-provider';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const ccClaims = JSON.parse(process.env.OIDC_CLAIMS || '{}');
const resource = process.env.OIDC_RESOURCE || 'https://algoreg.test';
const short = process.env.OIDC_SHORT || '';

// A new signing key at every start: restarting the provider rotates its keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(6).toString('hex'), use: 'sig', alg: 'RS256' };

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], org: ['org', 'role'] },
  scopes: ['openid', 'email', 'profile', 'org', 'api'],
  findAccount: async (ctx, id) => {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource: async (ctx, form) => { ctx.body = `<html><body>${form}<script>document.forms[0].submit()</script></body></html>`; } },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => ({
        scope: 'api',
        audience: indicator,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: async (ctx, token) => (token.kind === 'ClientCredentials' ? ccClaims[token.clientId] : undefined),
  ttl: {
    ClientCredentials: (ctx, token, client) => (client.clientId === short ? 1 : 600),
    AccessToken: 600,
    IdToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [randomBytes(16).toString('hex')] },
});

// The person at the keyboard: logs in as `login_hint` and consents to everything asked.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    const id = params.login_hint || process.env.OIDC_DEFAULT_ACCOUNT;
    if (!accounts[id]) {
      ctx.status = 400;
      ctx.body = `unknown account ${id}`;
      return undefined;
    }
    result = { login: { accountId: id } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.respond = false;
  return undefined;
});

server.on('request', provider.callback());
process.stdout.write(`ready ${port}\n`);
process.on('SIGTERM', () => process.exit(0));
