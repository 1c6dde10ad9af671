"""Opening a record's editing form from its popup, as an editor does, in browser tests."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError


def open_record_form(page, marker: str, record_id, action: str, ready: str, popup_open=False):
    """Click the record's marker, then its popup's ``action`` button; the panel, once ``ready``.

    ``ready`` is a CSS selector inside the panel (a field of the form). The popup's autopan
    redraws the layer under it, so on a loaded machine a click can land while the popup is
    still moving (seen in CI): the popup is opened again once if no form came. A panel that
    shows an error instead of the form fails with the error's words. With ``popup_open`` the
    first try uses the popup already on the map.
    """
    panel = page.locator(".portal-edit-panel")
    shown = f".portal-edit-panel :is({ready}), .portal-edit-panel .alert-danger"
    for attempt in range(2):
        if attempt or not popup_open:
            page.locator(marker).first.click()
        page.locator(f".portal-edit-actions[data-id='{record_id}'] .portal-edit-{action}").click()
        try:
            page.wait_for_selector(shown, timeout=10000)
            break
        except PlaywrightError as err:
            if attempt:
                text = page.locator(".portal-map").inner_text()[:400]
                raise AssertionError(f"no {action} form opened; the map shows: {text!r}") from err
    assert panel.locator(".alert-danger").count() == 0, panel.inner_text()
    return panel
