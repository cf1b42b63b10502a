import { hubspot, useExtensionActions, useExtensionContext } from '@hubspot/ui-extensions';
import {
  createPageRouter,
  PageHeader,
  PageRoutes,
  type PageRoutesLayoutProps,
  PageTitle,
} from '@hubspot/ui-extensions/pages';
import { OperatorHome } from './OperatorHome.tsx';

// The app's pages (2026.03 `page` component, pages-hsmeta.json): one route, the operator home. HubSpot opens it from
// the Marketplace menu's recently visited apps, or at app.hubspot.com/app/{portalId}/{appId}.

function Layout({ children }: PageRoutesLayoutProps) {
  return (
    <>
      <PageHeader>
        <PageHeader.PrimaryAction>
          <PageHeader.Link href="https://partnerloop.example.com/docs/operator-home">
            How to read this page
          </PageHeader.Link>
        </PageHeader.PrimaryAction>
      </PageHeader>
      {children}
    </>
  );
}

function OperatorHomePage() {
  const context = useExtensionContext<'pages'>();
  const actions = useExtensionActions<'pages'>();
  return (
    <>
      <PageTitle>Partner operations</PageTitle>
      <OperatorHome context={context} actions={actions} />
    </>
  );
}

const PageRouter = createPageRouter(
  <PageRoutes layoutComponent={Layout}>
    <PageRoutes.IndexRoute component={OperatorHomePage} />
    <PageRoutes.AnyRoute component={OperatorHomePage} />
  </PageRoutes>,
);

hubspot.extend<'pages'>(() => <PageRouter />);
