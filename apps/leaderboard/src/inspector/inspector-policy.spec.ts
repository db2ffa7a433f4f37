import { INSPECTOR_TOKEN_HEADER, inspectorOptions } from './inspector-policy.js';

const TOKEN = 'sixteen-chars-or-more';
const request = (token?: string | string[]) => ({
  method: 'GET',
  url: '/_tiercache',
  ip: '10.0.0.9',
  headers: token === undefined ? {} : { [INSPECTOR_TOKEN_HEADER]: token },
});

describe('inspectorOptions', () => {
  it('mounts the inspector unguarded in development only', () => {
    const development = inspectorOptions({ environment: 'development', inspectorToken: TOKEN });
    expect(development.enabled).toBe(true);
    expect(development.guard).toBeUndefined();
    expect(inspectorOptions({ environment: 'production', inspectorToken: undefined })).toMatchObject({ enabled: false });
    expect(inspectorOptions({ environment: undefined, inspectorToken: undefined })).toMatchObject({ enabled: false });
  });

  it('outside development, lets through only requests with the token, naming them for the action log', async () => {
    const { enabled, guard } = inspectorOptions({ environment: 'production', inspectorToken: TOKEN });
    expect(enabled).toBe(true);
    expect(await guard!(request(TOKEN))).toBe('token holder (10.0.0.9)');
    for (const wrong of [undefined, '', 'sixteen-chars-or-mor', `${TOKEN}x`, [TOKEN, TOKEN]]) {
      expect(await guard!(request(wrong))).toBe(false);
    }
  });
});
